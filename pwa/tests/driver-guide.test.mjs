// The guidance's words and its following of the position, without a browser: every language has every
// sentence; a manoeuvre is worded from OSRM's type/modifier/exit and the street, never from OSRM's English;
// the next manoeuvre and its distance move on as the position moves along the leg.
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.document ??= { documentElement: {} };
globalThis.navigator ??= { languages: ['en-CA'] };

const { setLanguage, t } = await import('../src/shared/i18n.js');
const { GUIDE_MESSAGES, directionWords, distanceText, instructionText, mergeGuideMessages } = await import('../src/driver/guide/words.js');
const { follow, prepareLeg } = await import('../src/driver/guide/progress.js');

mergeGuideMessages();
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('every guidance sentence exists in en fr es pt de with the same placeholders', () => {
  const english = GUIDE_MESSAGES.en;
  for (const language of ['fr', 'es', 'pt', 'de']) {
    const messages = GUIDE_MESSAGES[language];
    assert.deepEqual(Object.keys(messages).sort(), Object.keys(english).sort(), language);
    for (const [key, text] of Object.entries(english)) {
      assert.deepEqual(placeholders(messages[key]), placeholders(text), `${language} ${key}`);
      assert.notEqual(messages[key], '', `${language} ${key}`);
    }
  }
});

const LEFT = { name: 'Boulevard Saint-Laurent', ref: '', instruction: 'Turn left onto Boulevard Saint-Laurent',
  maneuver: { type: 'turn', modifier: 'left' } };
const ROUNDABOUT = { name: '', ref: 'QC 138', instruction: 'At the roundabout take the exit',
  maneuver: { type: 'roundabout', modifier: 'right', exit: 2 } };
const ARRIVE = { name: 'Avenue du Parc', maneuver: { type: 'arrive', modifier: 'right' } };

test('a manoeuvre is worded in the app language from its type, modifier, exit and street', () => {
  const expected = {
    en: ['Turn left onto Boulevard Saint-Laurent', 'At the roundabout, take exit 2 onto QC 138', 'The stop is on your right'],
    fr: ['Tournez à gauche sur Boulevard Saint-Laurent', 'Au giratoire, prenez la sortie 2 sur QC 138', 'L’arrêt est sur votre droite'],
    es: ['Gira a la izquierda hacia Boulevard Saint-Laurent', 'En la rotonda, toma la salida 2 hacia QC 138', 'La parada está a tu derecha'],
    pt: ['Vire à esquerda para Boulevard Saint-Laurent', 'Na rotatória, pegue a saída 2 para QC 138', 'A parada está à sua direita'],
    de: ['Links abbiegen auf Boulevard Saint-Laurent', 'Im Kreisverkehr die 2. Ausfahrt nehmen auf QC 138', 'Der Stopp ist rechts'],
  };
  for (const [language, sentences] of Object.entries(expected)) {
    setLanguage(language);
    assert.deepEqual([LEFT, ROUNDABOUT, ARRIVE].map((step) => instructionText(step, t)), sentences, language);
  }
  setLanguage('fr');
  // OSRM's own English sentence is never what the driver reads.
  assert.ok(!instructionText(LEFT, t).includes('Turn left'));
  assert.equal(instructionText({ name: 'Rue Ontario', maneuver: { type: 'new name', modifier: 'straight' } }, t),
    'Continuez sur Rue Ontario');
  assert.equal(instructionText({ name: '', maneuver: { type: 'continue', modifier: 'uturn' } }, t), 'Faites demi-tour');
  setLanguage('en');
});

test('distances read as a glance: rounded, and with the language decimal mark', () => {
  assert.equal(distanceText(87, 'en'), '90 m');
  assert.equal(distanceText(333, 'en'), '350 m');
  assert.equal(distanceText(1240, 'fr'), '1,2 km');
  assert.equal(distanceText(1240, 'en'), '1.2 km');
});

test('the straight-line direction in words: by the compass, or relative to the way the phone moves', () => {
  setLanguage('en');
  assert.equal(directionWords(44, null, t), 'to the north-east');
  assert.equal(directionWords(180, 90, t), 'to your right');
  setLanguage('de');
  assert.equal(directionWords(270, null, t), 'westlich');
  setLanguage('en');
});

// A leg east along a street, then north: the manoeuvre (turn left) is 300 m along.
const DIRECTIONS = {
  mode: 'osrm',
  destination: [45.5027, -73.5962],
  geometry: [[45.5, -73.6], [45.5, -73.59616], [45.5027, -73.59616]],
  steps: [
    { name: 'Rue A', distance_m: 300, maneuver: { type: 'depart', location: [-73.6, 45.5] } },
    { name: 'Rue B', distance_m: 300, maneuver: { type: 'turn', modifier: 'left', location: [-73.59616, 45.5] } },
    { name: 'Rue B', distance_m: 0, maneuver: { type: 'arrive', location: [-73.59616, 45.5027] } },
  ],
};

test('the next manoeuvre and its distance along the road follow the position', () => {
  const leg = prepareLeg(DIRECTIONS);
  let progress = follow(leg, { lat: 45.5, lon: -73.6 });
  assert.equal(progress.next, 1);
  assert.ok(Math.abs(progress.toNext - 300) < 5, progress.toNext);
  progress = follow(leg, { lat: 45.50005, lon: -73.5968 }, progress); // 5 m off the street, 250 m along
  assert.equal(progress.next, 1);
  assert.ok(Math.abs(progress.toNext - 50) < 6, progress.toNext);
  assert.equal(progress.offRoute, false);
  progress = follow(leg, { lat: 45.5009, lon: -73.59616 }, progress); // turned: 100 m up the second street
  assert.equal(progress.next, 2);
  assert.ok(Math.abs(progress.toNext - 200) < 5, progress.toNext);
  assert.equal(progress.arrived, false);
  const away = follow(leg, { lat: 45.502, lon: -73.599 }, progress);
  assert.ok(away.offRoute && away.offRouteCount === 1);
  assert.equal(follow(leg, { lat: 45.502, lon: -73.599 }, away).offRouteCount, 2);
  assert.equal(follow(leg, { lat: 45.5026, lon: -73.59616 }, progress).arrived, true);
});
