// Interface strings in English and French; the browser's language picks one.
const strings = {
  en: {
    landing: 'This Conclave server is running. Open the invitation link you were given to join a call.',
    connecting: 'Connecting…',
    connected: 'In the call',
    reconnecting: 'Connection lost, reconnecting…',
    ended: 'The server ended this connection. Reload the page to join again.',
    participants: 'Participants',
    leave: 'Leave',
    left: 'You left the call.',
    you: '(you)',
    error: 'Error',
    videos: 'Videos',
    controls: 'Call controls',
    muteMicrophone: 'Mute microphone',
    unmuteMicrophone: 'Unmute microphone',
    stopCamera: 'Stop camera',
    startCamera: 'Start camera',
    shareScreen: 'Share screen',
    stopSharing: 'Stop sharing',
    noDevices: 'Camera or microphone unavailable: you can watch and listen',
    screenOf: 'screen of',
    muted: 'microphone off',
    securityCode: 'Security code:',
  },
  fr: {
    landing: 'Ce serveur Conclave fonctionne. Ouvrez le lien d’invitation reçu pour rejoindre un appel.',
    connecting: 'Connexion…',
    connected: 'Dans l’appel',
    reconnecting: 'Connexion perdue, reconnexion…',
    ended: 'Le serveur a fermé cette connexion. Rechargez la page pour rejoindre l’appel.',
    participants: 'Participants',
    leave: 'Quitter',
    left: 'Vous avez quitté l’appel.',
    you: '(vous)',
    error: 'Erreur',
    videos: 'Vidéos',
    controls: 'Commandes de l’appel',
    muteMicrophone: 'Couper le micro',
    unmuteMicrophone: 'Activer le micro',
    stopCamera: 'Couper la caméra',
    startCamera: 'Activer la caméra',
    shareScreen: 'Partager l’écran',
    stopSharing: 'Arrêter le partage',
    noDevices: 'Caméra ou micro indisponible : vous pouvez regarder et écouter',
    screenOf: 'écran de',
    muted: 'micro coupé',
    securityCode: 'Code de sécurité :',
  },
};

export const language = (navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';

/** The string for key in the browser's language. */
export function t(key) {
  return strings[language][key] ?? strings.en[key] ?? key;
}

/** Translates every element with a data-i18n attribute and sets the document language. */
export function translatePage() {
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
}

translatePage();
