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
    unsigned: '⚠ unsigned: gets no keys',
    verified: '✓ verified',
    keyChanged: '⚠ key changed',
    markVerified: 'Mark verified',
    acceptKey: 'Accept new key',
    keyChangedWarning: 'Warning: the security key of someone you verified has changed. Check with them before you speak:',
    e2eeUnsupported: 'This browser cannot encrypt calls end to end',
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
    unsigned: '⚠ non signé : ne reçoit aucune clé',
    verified: '✓ vérifié',
    keyChanged: '⚠ clé changée',
    markVerified: 'Marquer comme vérifié',
    acceptKey: 'Accepter la nouvelle clé',
    keyChangedWarning: 'Attention : la clé de sécurité d’une personne que vous avez vérifiée a changé. Vérifiez avec elle avant de parler :',
    e2eeUnsupported: 'Ce navigateur ne peut pas chiffrer les appels de bout en bout',
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
