// Placeholder: the customer tracking page (/t/<token>) is built by another engineer on the shared core.
import { chooseLanguage, setLanguage, t } from '../shared/i18n.js';

setLanguage(chooseLanguage());
document.getElementById('app').textContent = t('track.title');
