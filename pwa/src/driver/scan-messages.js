// The camera scanner's words in English and French (Spanish, Portuguese and German: messages/*.js), added to the
// shared catalogue when the driver app loads.
import { catalogue } from '../shared/i18n.js';

const MESSAGES = {
  en: {
    'scan.start': 'Scan with the camera',
    'scan.stop': 'Stop the camera',
    'scan.video': 'Camera picture',
    'scan.starting': 'Opening the camera…',
    'scan.preparing': 'Getting the scanner ready…',
    'scan.running': 'Hold each label in the frame. A beep for each new parcel.',
    'scan.count.one': '{scanned} of {count} parcel scanned',
    'scan.count.other': '{scanned} of {count} parcels scanned',
    'scan.allDone': 'Every parcel is scanned: camera off.',
    'scan.denied': 'The camera is blocked for this app. Allow the camera in the browser’s site settings, or type the codes below.',
    'scan.missing': 'This phone has no camera the app can use. Type the codes below.',
    'scan.busy': 'Another app is using the camera. Close it and try again, or type the codes below.',
    'scan.failed': 'The camera could not be started. Try again, or type the codes below.',
    'scan.decoder': 'The scanner could not be loaded (it needs a connection the first time). Type the codes below.',
    'scan.parcelOfStop': 'Parcel {barcode} scanned',
    'scan.notOfStop': '{barcode} is not a parcel of this stop: keep it in the van.',
    'scan.notOfCollection': '{barcode} is not a parcel of this collection: leave it with the customer.',
    'scan.again': 'Parcel {barcode} was already scanned',
  },
  fr: {
    'scan.start': 'Scanner avec la caméra',
    'scan.stop': 'Arrêter la caméra',
    'scan.video': 'Image de la caméra',
    'scan.starting': 'Ouverture de la caméra…',
    'scan.preparing': 'Préparation du lecteur…',
    'scan.running': 'Tenez chaque étiquette dans le cadre. Un bip pour chaque nouveau colis.',
    'scan.count.one': '{scanned} colis scanné sur {count}',
    'scan.count.other': '{scanned} colis scannés sur {count}',
    'scan.allDone': 'Tous les colis sont scannés : caméra éteinte.',
    'scan.denied': 'La caméra est bloquée pour cette application. Autorisez-la dans les paramètres du site du navigateur, ou tapez les codes ci-dessous.',
    'scan.missing': 'Ce téléphone n’a pas de caméra utilisable par l’application. Tapez les codes ci-dessous.',
    'scan.busy': 'Une autre application utilise la caméra. Fermez-la et réessayez, ou tapez les codes ci-dessous.',
    'scan.failed': 'La caméra n’a pas pu démarrer. Réessayez, ou tapez les codes ci-dessous.',
    'scan.decoder': 'Le lecteur n’a pas pu être chargé (il faut une connexion la première fois). Tapez les codes ci-dessous.',
    'scan.parcelOfStop': 'Colis {barcode} scanné',
    'scan.notOfStop': '{barcode} n’est pas un colis de cet arrêt : gardez-le dans le camion.',
    'scan.notOfCollection': '{barcode} n’est pas un colis de cette collecte : laissez-le au client.',
    'scan.again': 'Le colis {barcode} est déjà scanné',
  },
};

for (const [language, messages] of Object.entries(MESSAGES)) {
  if (catalogue[language]) Object.assign(catalogue[language], messages);
}

export const SCAN_MESSAGES = MESSAGES;
