// Spoken guidance through the browser's speech synthesis (Web Speech API), in the app's language. Where the
// phone speaks a regional variant of it (fr-CA, pt-BR), that tag is used so the phone picks a local voice.

export function speechAvailable() {
  return typeof window !== 'undefined' && Boolean(window.speechSynthesis)
    && typeof window.SpeechSynthesisUtterance === 'function';
}

/** The BCP 47 tag to speak `language` in: the phone's own variant of it when it has one. */
export function speechTag(language) {
  const phone = (navigator.languages || [navigator.language]).find(
    (tag) => String(tag || '').toLowerCase().split('-')[0] === language);
  return phone || language;
}

/** Say `text` now (what was still being said is dropped: an old instruction is worse than none). */
export function say(text, language) {
  if (!speechAvailable() || !text) return false;
  const synth = window.speechSynthesis;
  const utterance = new window.SpeechSynthesisUtterance(text);
  utterance.lang = speechTag(language);
  const voice = synth.getVoices?.().find((each) => String(each.lang || '').toLowerCase().startsWith(language));
  if (voice) utterance.voice = voice;
  synth.cancel();
  synth.speak(utterance);
  return true;
}

export function hush() {
  if (speechAvailable()) window.speechSynthesis.cancel();
}
