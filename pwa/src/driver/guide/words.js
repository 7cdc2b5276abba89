// The guidance's words in the driver app's five languages: manoeuvres built from OSRM's step (type, modifier,
// roundabout exit, street name and number), never from OSRM's English text; distances as each language writes
// them; the straight-line fallback's direction in words. Loaded with the guidance screen only.
import { catalogue, language as currentLanguage } from '../../shared/i18n.js';

export const GUIDE_MESSAGES = {
  en: {
    'guide.title': 'Directions to stop {sequence}',
    'guide.loading': 'Finding the way…',
    'guide.waitingPosition': 'Waiting for your position…',
    'guide.noPosition': 'Your position is not available: allow location for this app to be guided.',
    'guide.in': 'In {distance}',
    'guide.inSpoken': 'In {distance}, {action}',
    'guide.then': 'Then: {action}',
    'guide.remaining': '{distance} left · about {minutes} min',
    'guide.remainingShort': '{distance} left',
    'guide.allSteps': 'All steps',
    'guide.voice': 'Speak the directions',
    'guide.otherApps': 'Open in another app',
    'guide.showStop': 'Stop details',
    'guide.arrived': 'You have arrived at stop {sequence}.',
    'guide.offRoute': 'Off the planned way: finding a new one…',
    'guide.offlineSteps': 'Offline: the steps follow your position; the map background may not load.',
    'guide.offlineCrowFlies': 'Offline: direction and distance as the crow flies until the connection is back.',
    'guide.noSteps': 'Turn-by-turn directions are not set up on this server: direction and distance as the crow flies.',
    'guide.stepsUnavailable': 'Turn-by-turn directions are unavailable right now: direction and distance as the crow flies.',
    'guide.noRoad': 'No road route to this stop was found: direction and distance as the crow flies.',
    'guide.mapUnavailable': 'The map background could not load; the route is still drawn.',
    'guide.mapFailed': 'The map could not open; the directions still work.',
    'guide.map': 'Map of the route',
    'guide.crowFlies': 'Stop {sequence}: {distance} {direction}, as the crow flies',
    'guide.compass.n': 'to the north',
    'guide.compass.ne': 'to the north-east',
    'guide.compass.e': 'to the east',
    'guide.compass.se': 'to the south-east',
    'guide.compass.s': 'to the south',
    'guide.compass.sw': 'to the south-west',
    'guide.compass.w': 'to the west',
    'guide.compass.nw': 'to the north-west',
    'guide.relative.ahead': 'straight ahead',
    'guide.relative.aheadRight': 'ahead on your right',
    'guide.relative.right': 'to your right',
    'guide.relative.behindRight': 'behind you on the right',
    'guide.relative.behind': 'behind you',
    'guide.relative.behindLeft': 'behind you on the left',
    'guide.relative.left': 'to your left',
    'guide.relative.aheadLeft': 'ahead on your left',
    'guide.turn.uturn': 'Make a U-turn',
    'guide.turn.sharpLeft': 'Turn sharp left',
    'guide.turn.left': 'Turn left',
    'guide.turn.slightLeft': 'Bear left',
    'guide.turn.straight': 'Go straight on',
    'guide.turn.slightRight': 'Bear right',
    'guide.turn.right': 'Turn right',
    'guide.turn.sharpRight': 'Turn sharp right',
    'guide.keep.left': 'Keep left',
    'guide.keep.right': 'Keep right',
    'guide.merge': 'Merge',
    'guide.ramp': 'Take the ramp',
    'guide.exit.left': 'Take the exit on the left',
    'guide.exit.right': 'Take the exit on the right',
    'guide.endOfRoad.left': 'At the end of the road, turn left',
    'guide.endOfRoad.right': 'At the end of the road, turn right',
    'guide.roundabout': 'Enter the roundabout',
    'guide.roundaboutExit': 'At the roundabout, take exit {exit}',
    'guide.leaveRoundabout': 'Leave the roundabout',
    'guide.continue': 'Continue',
    'guide.depart': 'Start',
    'guide.arrive': 'Arrive at the stop',
    'guide.arrive.left': 'The stop is on your left',
    'guide.arrive.right': 'The stop is on your right',
    'guide.onto': '{action} onto {street}',
    'guide.continueOn': 'Continue on {street}',
    'guide.departOn': 'Start on {street}',
  },
  fr: {
    'guide.title': 'Itinéraire vers l’arrêt {sequence}',
    'guide.loading': 'Recherche de l’itinéraire…',
    'guide.waitingPosition': 'En attente de votre position…',
    'guide.noPosition': 'Votre position n’est pas disponible : autorisez la localisation pour être guidé.',
    'guide.in': 'Dans {distance}',
    'guide.inSpoken': 'Dans {distance}, {action}',
    'guide.then': 'Ensuite : {action}',
    'guide.remaining': 'Encore {distance} · environ {minutes} min',
    'guide.remainingShort': 'Encore {distance}',
    'guide.allSteps': 'Toutes les étapes',
    'guide.voice': 'Lire les indications à voix haute',
    'guide.otherApps': 'Ouvrir dans une autre application',
    'guide.showStop': 'Détails de l’arrêt',
    'guide.arrived': 'Vous êtes arrivé à l’arrêt {sequence}.',
    'guide.offRoute': 'Hors de l’itinéraire : recherche d’un nouveau chemin…',
    'guide.offlineSteps': 'Hors ligne : les étapes suivent votre position ; le fond de carte peut ne pas s’afficher.',
    'guide.offlineCrowFlies': 'Hors ligne : direction et distance à vol d’oiseau jusqu’au retour de la connexion.',
    'guide.noSteps': 'Le guidage détaillé n’est pas configuré sur ce serveur : direction et distance à vol d’oiseau.',
    'guide.stepsUnavailable': 'Le guidage détaillé est indisponible pour l’instant : direction et distance à vol d’oiseau.',
    'guide.noRoad': 'Aucun chemin routier vers cet arrêt : direction et distance à vol d’oiseau.',
    'guide.mapUnavailable': 'Le fond de carte n’a pas pu se charger ; l’itinéraire reste tracé.',
    'guide.mapFailed': 'La carte n’a pas pu s’ouvrir ; les indications fonctionnent quand même.',
    'guide.map': 'Carte de la tournée',
    'guide.crowFlies': 'Arrêt {sequence} : {distance} {direction}, à vol d’oiseau',
    'guide.compass.n': 'au nord',
    'guide.compass.ne': 'au nord-est',
    'guide.compass.e': 'à l’est',
    'guide.compass.se': 'au sud-est',
    'guide.compass.s': 'au sud',
    'guide.compass.sw': 'au sud-ouest',
    'guide.compass.w': 'à l’ouest',
    'guide.compass.nw': 'au nord-ouest',
    'guide.relative.ahead': 'droit devant',
    'guide.relative.aheadRight': 'devant, sur votre droite',
    'guide.relative.right': 'sur votre droite',
    'guide.relative.behindRight': 'derrière vous, à droite',
    'guide.relative.behind': 'derrière vous',
    'guide.relative.behindLeft': 'derrière vous, à gauche',
    'guide.relative.left': 'sur votre gauche',
    'guide.relative.aheadLeft': 'devant, sur votre gauche',
    'guide.turn.uturn': 'Faites demi-tour',
    'guide.turn.sharpLeft': 'Tournez franchement à gauche',
    'guide.turn.left': 'Tournez à gauche',
    'guide.turn.slightLeft': 'Prenez légèrement à gauche',
    'guide.turn.straight': 'Continuez tout droit',
    'guide.turn.slightRight': 'Prenez légèrement à droite',
    'guide.turn.right': 'Tournez à droite',
    'guide.turn.sharpRight': 'Tournez franchement à droite',
    'guide.keep.left': 'Restez à gauche',
    'guide.keep.right': 'Restez à droite',
    'guide.merge': 'Insérez-vous',
    'guide.ramp': 'Prenez la bretelle',
    'guide.exit.left': 'Prenez la sortie à gauche',
    'guide.exit.right': 'Prenez la sortie à droite',
    'guide.endOfRoad.left': 'Au bout de la route, tournez à gauche',
    'guide.endOfRoad.right': 'Au bout de la route, tournez à droite',
    'guide.roundabout': 'Entrez dans le giratoire',
    'guide.roundaboutExit': 'Au giratoire, prenez la sortie {exit}',
    'guide.leaveRoundabout': 'Sortez du giratoire',
    'guide.continue': 'Continuez',
    'guide.depart': 'Partez',
    'guide.arrive': 'Arrivée à l’arrêt',
    'guide.arrive.left': 'L’arrêt est sur votre gauche',
    'guide.arrive.right': 'L’arrêt est sur votre droite',
    'guide.onto': '{action} sur {street}',
    'guide.continueOn': 'Continuez sur {street}',
    'guide.departOn': 'Partez par {street}',
  },
  es: {
    'guide.title': 'Cómo llegar a la parada {sequence}',
    'guide.loading': 'Buscando el camino…',
    'guide.waitingPosition': 'Esperando tu ubicación…',
    'guide.noPosition': 'Tu ubicación no está disponible: permite la ubicación a esta app para que te guíe.',
    'guide.in': 'En {distance}',
    'guide.inSpoken': 'En {distance}, {action}',
    'guide.then': 'Después: {action}',
    'guide.remaining': 'Faltan {distance} · unos {minutes} min',
    'guide.remainingShort': 'Faltan {distance}',
    'guide.allSteps': 'Todos los pasos',
    'guide.voice': 'Leer las indicaciones en voz alta',
    'guide.otherApps': 'Abrir en otra app',
    'guide.showStop': 'Detalles de la parada',
    'guide.arrived': 'Has llegado a la parada {sequence}.',
    'guide.offRoute': 'Fuera del camino previsto: buscando otro…',
    'guide.offlineSteps': 'Sin conexión: los pasos siguen tu ubicación; el fondo del mapa puede no cargarse.',
    'guide.offlineCrowFlies': 'Sin conexión: dirección y distancia en línea recta hasta que vuelva la conexión.',
    'guide.noSteps': 'Las indicaciones paso a paso no están configuradas en este servidor: dirección y distancia en línea recta.',
    'guide.stepsUnavailable': 'Las indicaciones paso a paso no están disponibles ahora: dirección y distancia en línea recta.',
    'guide.noRoad': 'No se encontró un camino por carretera a esta parada: dirección y distancia en línea recta.',
    'guide.mapUnavailable': 'El fondo del mapa no se pudo cargar; la ruta sigue dibujada.',
    'guide.mapFailed': 'El mapa no se pudo abrir; las indicaciones siguen funcionando.',
    'guide.map': 'Mapa de la ruta',
    'guide.crowFlies': 'Parada {sequence}: {distance} {direction}, en línea recta',
    'guide.compass.n': 'al norte',
    'guide.compass.ne': 'al noreste',
    'guide.compass.e': 'al este',
    'guide.compass.se': 'al sureste',
    'guide.compass.s': 'al sur',
    'guide.compass.sw': 'al suroeste',
    'guide.compass.w': 'al oeste',
    'guide.compass.nw': 'al noroeste',
    'guide.relative.ahead': 'justo delante',
    'guide.relative.aheadRight': 'delante, a tu derecha',
    'guide.relative.right': 'a tu derecha',
    'guide.relative.behindRight': 'detrás, a la derecha',
    'guide.relative.behind': 'detrás de ti',
    'guide.relative.behindLeft': 'detrás, a la izquierda',
    'guide.relative.left': 'a tu izquierda',
    'guide.relative.aheadLeft': 'delante, a tu izquierda',
    'guide.turn.uturn': 'Da la vuelta',
    'guide.turn.sharpLeft': 'Gira bruscamente a la izquierda',
    'guide.turn.left': 'Gira a la izquierda',
    'guide.turn.slightLeft': 'Gira ligeramente a la izquierda',
    'guide.turn.straight': 'Sigue recto',
    'guide.turn.slightRight': 'Gira ligeramente a la derecha',
    'guide.turn.right': 'Gira a la derecha',
    'guide.turn.sharpRight': 'Gira bruscamente a la derecha',
    'guide.keep.left': 'Mantente a la izquierda',
    'guide.keep.right': 'Mantente a la derecha',
    'guide.merge': 'Incorpórate',
    'guide.ramp': 'Toma el acceso',
    'guide.exit.left': 'Toma la salida de la izquierda',
    'guide.exit.right': 'Toma la salida de la derecha',
    'guide.endOfRoad.left': 'Al final de la calle, gira a la izquierda',
    'guide.endOfRoad.right': 'Al final de la calle, gira a la derecha',
    'guide.roundabout': 'Entra en la rotonda',
    'guide.roundaboutExit': 'En la rotonda, toma la salida {exit}',
    'guide.leaveRoundabout': 'Sal de la rotonda',
    'guide.continue': 'Continúa',
    'guide.depart': 'Sal',
    'guide.arrive': 'Llegada a la parada',
    'guide.arrive.left': 'La parada está a tu izquierda',
    'guide.arrive.right': 'La parada está a tu derecha',
    'guide.onto': '{action} hacia {street}',
    'guide.continueOn': 'Continúa por {street}',
    'guide.departOn': 'Sal por {street}',
  },
  pt: {
    'guide.title': 'Caminho para a parada {sequence}',
    'guide.loading': 'Procurando o caminho…',
    'guide.waitingPosition': 'Aguardando sua localização…',
    'guide.noPosition': 'Sua localização não está disponível: permita a localização para este app guiar você.',
    'guide.in': 'Em {distance}',
    'guide.inSpoken': 'Em {distance}, {action}',
    'guide.then': 'Depois: {action}',
    'guide.remaining': 'Faltam {distance} · cerca de {minutes} min',
    'guide.remainingShort': 'Faltam {distance}',
    'guide.allSteps': 'Todas as etapas',
    'guide.voice': 'Ler as indicações em voz alta',
    'guide.otherApps': 'Abrir em outro app',
    'guide.showStop': 'Detalhes da parada',
    'guide.arrived': 'Você chegou à parada {sequence}.',
    'guide.offRoute': 'Fora do caminho previsto: procurando outro…',
    'guide.offlineSteps': 'Offline: as etapas seguem sua localização; o fundo do mapa pode não carregar.',
    'guide.offlineCrowFlies': 'Offline: direção e distância em linha reta até a conexão voltar.',
    'guide.noSteps': 'As indicações passo a passo não estão configuradas neste servidor: direção e distância em linha reta.',
    'guide.stepsUnavailable': 'As indicações passo a passo não estão disponíveis agora: direção e distância em linha reta.',
    'guide.noRoad': 'Nenhum caminho por estrada até esta parada: direção e distância em linha reta.',
    'guide.mapUnavailable': 'O fundo do mapa não carregou; a rota continua desenhada.',
    'guide.mapFailed': 'O mapa não abriu; as indicações continuam funcionando.',
    'guide.map': 'Mapa da rota',
    'guide.crowFlies': 'Parada {sequence}: {distance} {direction}, em linha reta',
    'guide.compass.n': 'ao norte',
    'guide.compass.ne': 'a nordeste',
    'guide.compass.e': 'a leste',
    'guide.compass.se': 'a sudeste',
    'guide.compass.s': 'ao sul',
    'guide.compass.sw': 'a sudoeste',
    'guide.compass.w': 'a oeste',
    'guide.compass.nw': 'a noroeste',
    'guide.relative.ahead': 'bem à frente',
    'guide.relative.aheadRight': 'à frente, à direita',
    'guide.relative.right': 'à sua direita',
    'guide.relative.behindRight': 'atrás, à direita',
    'guide.relative.behind': 'atrás de você',
    'guide.relative.behindLeft': 'atrás, à esquerda',
    'guide.relative.left': 'à sua esquerda',
    'guide.relative.aheadLeft': 'à frente, à esquerda',
    'guide.turn.uturn': 'Faça o retorno',
    'guide.turn.sharpLeft': 'Vire acentuadamente à esquerda',
    'guide.turn.left': 'Vire à esquerda',
    'guide.turn.slightLeft': 'Vire levemente à esquerda',
    'guide.turn.straight': 'Siga em frente',
    'guide.turn.slightRight': 'Vire levemente à direita',
    'guide.turn.right': 'Vire à direita',
    'guide.turn.sharpRight': 'Vire acentuadamente à direita',
    'guide.keep.left': 'Mantenha-se à esquerda',
    'guide.keep.right': 'Mantenha-se à direita',
    'guide.merge': 'Entre na via',
    'guide.ramp': 'Pegue a rampa de acesso',
    'guide.exit.left': 'Pegue a saída à esquerda',
    'guide.exit.right': 'Pegue a saída à direita',
    'guide.endOfRoad.left': 'No fim da rua, vire à esquerda',
    'guide.endOfRoad.right': 'No fim da rua, vire à direita',
    'guide.roundabout': 'Entre na rotatória',
    'guide.roundaboutExit': 'Na rotatória, pegue a saída {exit}',
    'guide.leaveRoundabout': 'Saia da rotatória',
    'guide.continue': 'Continue',
    'guide.depart': 'Comece',
    'guide.arrive': 'Chegada à parada',
    'guide.arrive.left': 'A parada está à sua esquerda',
    'guide.arrive.right': 'A parada está à sua direita',
    'guide.onto': '{action} para {street}',
    'guide.continueOn': 'Continue em {street}',
    'guide.departOn': 'Comece por {street}',
  },
  de: {
    'guide.title': 'Weg zu Stopp {sequence}',
    'guide.loading': 'Weg wird gesucht…',
    'guide.waitingPosition': 'Warte auf deinen Standort…',
    'guide.noPosition': 'Dein Standort ist nicht verfügbar: Erlaube dieser App den Standort, um geführt zu werden.',
    'guide.in': 'In {distance}',
    'guide.inSpoken': 'In {distance} {action}',
    'guide.then': 'Danach: {action}',
    'guide.remaining': 'Noch {distance} · etwa {minutes} Min.',
    'guide.remainingShort': 'Noch {distance}',
    'guide.allSteps': 'Alle Schritte',
    'guide.voice': 'Anweisungen vorlesen',
    'guide.otherApps': 'In einer anderen App öffnen',
    'guide.showStop': 'Details zum Stopp',
    'guide.arrived': 'Du bist bei Stopp {sequence} angekommen.',
    'guide.offRoute': 'Abseits des geplanten Wegs: neuer Weg wird gesucht…',
    'guide.offlineSteps': 'Offline: Die Schritte folgen deinem Standort; der Kartenhintergrund lädt eventuell nicht.',
    'guide.offlineCrowFlies': 'Offline: Richtung und Entfernung in Luftlinie, bis die Verbindung zurück ist.',
    'guide.noSteps': 'Abbiegehinweise sind auf diesem Server nicht eingerichtet: Richtung und Entfernung in Luftlinie.',
    'guide.stepsUnavailable': 'Abbiegehinweise sind gerade nicht verfügbar: Richtung und Entfernung in Luftlinie.',
    'guide.noRoad': 'Kein Straßenweg zu diesem Stopp gefunden: Richtung und Entfernung in Luftlinie.',
    'guide.mapUnavailable': 'Der Kartenhintergrund konnte nicht laden; die Route ist trotzdem eingezeichnet.',
    'guide.mapFailed': 'Die Karte konnte nicht öffnen; die Anweisungen funktionieren trotzdem.',
    'guide.map': 'Karte der Tour',
    'guide.crowFlies': 'Stopp {sequence}: {distance} {direction}, Luftlinie',
    'guide.compass.n': 'nördlich',
    'guide.compass.ne': 'nordöstlich',
    'guide.compass.e': 'östlich',
    'guide.compass.se': 'südöstlich',
    'guide.compass.s': 'südlich',
    'guide.compass.sw': 'südwestlich',
    'guide.compass.w': 'westlich',
    'guide.compass.nw': 'nordwestlich',
    'guide.relative.ahead': 'geradeaus',
    'guide.relative.aheadRight': 'vorne rechts',
    'guide.relative.right': 'rechts von dir',
    'guide.relative.behindRight': 'hinten rechts',
    'guide.relative.behind': 'hinter dir',
    'guide.relative.behindLeft': 'hinten links',
    'guide.relative.left': 'links von dir',
    'guide.relative.aheadLeft': 'vorne links',
    'guide.turn.uturn': 'Wenden',
    'guide.turn.sharpLeft': 'Scharf links abbiegen',
    'guide.turn.left': 'Links abbiegen',
    'guide.turn.slightLeft': 'Leicht links abbiegen',
    'guide.turn.straight': 'Geradeaus weiterfahren',
    'guide.turn.slightRight': 'Leicht rechts abbiegen',
    'guide.turn.right': 'Rechts abbiegen',
    'guide.turn.sharpRight': 'Scharf rechts abbiegen',
    'guide.keep.left': 'Links halten',
    'guide.keep.right': 'Rechts halten',
    'guide.merge': 'Einfädeln',
    'guide.ramp': 'Auffahrt nehmen',
    'guide.exit.left': 'Ausfahrt links nehmen',
    'guide.exit.right': 'Ausfahrt rechts nehmen',
    'guide.endOfRoad.left': 'Am Ende der Straße links abbiegen',
    'guide.endOfRoad.right': 'Am Ende der Straße rechts abbiegen',
    'guide.roundabout': 'In den Kreisverkehr einfahren',
    'guide.roundaboutExit': 'Im Kreisverkehr die {exit}. Ausfahrt nehmen',
    'guide.leaveRoundabout': 'Kreisverkehr verlassen',
    'guide.continue': 'Weiterfahren',
    'guide.depart': 'Losfahren',
    'guide.arrive': 'Ankunft am Stopp',
    'guide.arrive.left': 'Der Stopp ist links',
    'guide.arrive.right': 'Der Stopp ist rechts',
    'guide.onto': '{action} auf {street}',
    'guide.continueOn': 'Weiter auf {street}',
    'guide.departOn': 'Losfahren auf {street}',
  },
};

/** Adds the guidance's words to the catalogue (once, when the guidance screen first opens). */
export function mergeGuideMessages() {
  for (const [language, texts] of Object.entries(GUIDE_MESSAGES)) {
    catalogue[language] = { ...(catalogue[language] || {}), ...texts };
  }
}

const TURNS = {
  uturn: 'guide.turn.uturn', 'sharp left': 'guide.turn.sharpLeft', left: 'guide.turn.left',
  'slight left': 'guide.turn.slightLeft', straight: 'guide.turn.straight', 'slight right': 'guide.turn.slightRight',
  right: 'guide.turn.right', 'sharp right': 'guide.turn.sharpRight',
};

const side = (modifier) => (String(modifier || '').includes('left') ? 'left' : 'right');

/** The street as a driver reads it on the sign: its name, its number, or both. */
export function streetOf(step) {
  const name = (step.name || '').trim();
  const ref = (step.ref || '').trim();
  if (name && ref) return `${name} (${ref})`;
  return name || ref;
}

/** The manoeuvre alone ("Turn left", "Au giratoire, prenez la sortie 2"), without the street. */
function actionKey(step) {
  const { type, modifier, exit } = step.maneuver || {};
  if (modifier === 'uturn') return ['guide.turn.uturn', {}];
  switch (type) {
    case 'depart': return ['guide.depart', {}];
    case 'arrive': return [modifier && modifier.includes('left') ? 'guide.arrive.left'
      : modifier && modifier.includes('right') ? 'guide.arrive.right' : 'guide.arrive', {}];
    case 'roundabout': case 'rotary': case 'roundabout turn':
      return exit ? ['guide.roundaboutExit', { exit }] : ['guide.roundabout', {}];
    case 'exit roundabout': case 'exit rotary': return ['guide.leaveRoundabout', {}];
    case 'end of road': return [`guide.endOfRoad.${side(modifier)}`, {}];
    case 'off ramp': return [`guide.exit.${side(modifier)}`, {}];
    case 'on ramp': return ['guide.ramp', {}];
    case 'fork': return [`guide.keep.${side(modifier)}`, {}];
    case 'merge': return ['guide.merge', {}];
    case 'turn': return [TURNS[modifier] || 'guide.continue', {}];
    case 'continue': case 'new name': case 'notification': default:
      // "continue" with a real bend is a turn to the driver; straight on is just "continue".
      return [modifier && modifier !== 'straight' && TURNS[modifier] ? TURNS[modifier] : 'guide.continue', {}];
  }
}

/** What to do at this step, in the app's language, from OSRM's manoeuvre and the street (never its English). */
export function instructionText(step, t) {
  const [key, values] = actionKey(step);
  const street = streetOf(step);
  const type = step.maneuver?.type;
  if (!street || type === 'arrive') return t(key, values);
  if (key === 'guide.continue') return t('guide.continueOn', { street });
  if (key === 'guide.depart') return t('guide.departOn', { street });
  return t('guide.onto', { action: t(key, values), street });
}

/** The icon of a manoeuvre (an arrow the driver sees at a glance; the words carry the meaning). */
export function arrowOf(step) {
  const { type, modifier } = step.maneuver || {};
  if (type === 'arrive') return '⚑';
  if (type === 'roundabout' || type === 'rotary' || type === 'roundabout turn') return '↻';
  if (modifier === 'uturn') return '↶';
  if (modifier?.includes('left')) return modifier.includes('slight') ? '↖' : '←';
  if (modifier?.includes('right')) return modifier.includes('slight') ? '↗' : '→';
  return '↑';
}

/** "80 m", "350 m", "1,2 km": rounded as a driver glances at it, written as the language writes numbers. */
export function distanceText(metres, language = currentLanguage()) {
  const value = Math.max(0, metres);
  if (value >= 1000) {
    return `${new Intl.NumberFormat(language, { maximumFractionDigits: value >= 10000 ? 0 : 1 }).format(value / 1000)} km`;
  }
  const step = value >= 300 ? 50 : 10;
  return `${Math.round(value / step) * step} m`;
}

const COMPASS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'];
const RELATIVE = ['ahead', 'aheadRight', 'right', 'behindRight', 'behind', 'behindLeft', 'left', 'aheadLeft'];

/**
 * Where the stop lies, in words: relative to the way the phone is moving when it knows ("to your left"),
 * else by the compass ("to the north-east").
 */
export function directionWords(bearingDeg, headingDeg, t) {
  const octant = (degrees) => Math.round((((degrees % 360) + 360) % 360) / 45) % 8;
  if (Number.isFinite(headingDeg)) return t(`guide.relative.${RELATIVE[octant(bearingDeg - headingDeg)]}`);
  return t(`guide.compass.${COMPASS[octant(bearingDeg)]}`);
}
