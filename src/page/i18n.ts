/**
 * The page's words in English, Spanish and French (docs/page.md "Languages"). The language is
 * `?lang=` when it names one of them, else the browser's first preference we have, else
 * English. Every string the page shows comes from here; `{name}` placeholders are filled by
 * `t` and the result always goes into the page as text, never as HTML.
 */

export const languages = ['en', 'es', 'fr'] as const
export type Language = (typeof languages)[number]

const en = {
  title: 'guildhall chat',
  skipToMessage: 'Skip to the message box',
  signInHeading: 'Sign in',
  tokenLabel: 'Token',
  tokenHelp: 'An access token (a JWT). npm start prints one in development mode.',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as {user}',
  language: 'Language',
  myRooms: 'My rooms',
  noRooms: 'No rooms yet: join one below.',
  unread: '{count} unread',
  joinHeading: 'Join a room',
  roomLabel: 'Room',
  roomHelp: 'A room id: letters, digits, _ and - (up to 64), for example lobby.',
  join: 'Join',
  noRoomOpen: 'Choose a room from your list, or join one by its id.',
  messages: 'Messages',
  messageLabel: 'Message',
  messageHelp: 'Enter sends; Shift+Enter starts a new line.',
  send: 'Send',
  loadOlder: 'Load older messages',
  loadingOlder: 'Loading older messages…',
  beginning: 'This is the beginning of the room.',
  newMessages: 'New messages',
  online: 'Online',
  you: '{user} (you)',
  typingOne: '{a} is typing…',
  typingTwo: '{a} and {b} are typing…',
  typingMany: 'Several people are typing…',
  seenBy: 'Seen by {users}',
  sending: 'Sending…',
  notSent: 'Not sent: {reason}',
  statusIdle: 'Not connected',
  statusConnecting: 'Connecting…',
  statusOpen: 'Connected',
  statusReconnecting: 'Connection lost: reconnecting in {seconds} s (attempt {attempt})…',
  statusReconnectingNow: 'Connection lost: reconnecting…',
  statusUnauthorized: 'Signed out: the token was refused',
  statusClosed: 'Disconnected',
  waitingToSend: '{count} waiting to be sent',
  dismiss: 'Dismiss',
  errorTokenRefused: 'This token was refused: it may have expired, or be signed with another secret. Enter a new one.',
  errorTokenMissing: 'Enter a token to sign in.',
  errorInvalidRoom: 'That is not a room id: use letters, digits, _ and - (up to 64), or GUILD#name for a guild.',
  errorForbidden: 'You are not allowed in room {room}.',
  errorNotFound: 'Room {room} does not exist.',
  errorTooLong: 'The message is too long.',
  errorRateLimited: 'You are sending too fast: your message goes out in a moment.',
  errorUnavailable: 'The server cannot store messages right now: your message will be sent again.',
  errorNetwork: 'The server cannot be reached. Check your connection.',
  errorRevoked: 'You were removed from room {room}.',
  errorRoomsUnavailable: 'Your rooms could not be listed: {reason}',
  errorOther: 'Something went wrong: {reason}',
  gapLoaded: 'Messages missed while away were loaded from history.',
} as const

export type MessageKey = keyof typeof en
type Catalogue = Record<MessageKey, string>

const es: Catalogue = {
  title: 'chat de guildhall',
  skipToMessage: 'Ir al cuadro de mensaje',
  signInHeading: 'Iniciar sesión',
  tokenLabel: 'Token',
  tokenHelp: 'Un token de acceso (un JWT). npm start imprime uno en modo de desarrollo.',
  signIn: 'Entrar',
  signOut: 'Cerrar sesión',
  signedInAs: 'Sesión iniciada como {user}',
  language: 'Idioma',
  myRooms: 'Mis salas',
  noRooms: 'Aún no hay salas: únete a una abajo.',
  unread: '{count} sin leer',
  joinHeading: 'Unirse a una sala',
  roomLabel: 'Sala',
  roomHelp: 'El id de una sala: letras, dígitos, _ y - (hasta 64), por ejemplo lobby.',
  join: 'Unirse',
  noRoomOpen: 'Elige una sala de tu lista o únete a una por su id.',
  messages: 'Mensajes',
  messageLabel: 'Mensaje',
  messageHelp: 'Intro envía; Mayús+Intro empieza una línea nueva.',
  send: 'Enviar',
  loadOlder: 'Cargar mensajes anteriores',
  loadingOlder: 'Cargando mensajes anteriores…',
  beginning: 'Este es el principio de la sala.',
  newMessages: 'Mensajes nuevos',
  online: 'En línea',
  you: '{user} (tú)',
  typingOne: '{a} está escribiendo…',
  typingTwo: '{a} y {b} están escribiendo…',
  typingMany: 'Varias personas están escribiendo…',
  seenBy: 'Visto por {users}',
  sending: 'Enviando…',
  notSent: 'No enviado: {reason}',
  statusIdle: 'Sin conexión',
  statusConnecting: 'Conectando…',
  statusOpen: 'Conectado',
  statusReconnecting: 'Conexión perdida: reconectando en {seconds} s (intento {attempt})…',
  statusReconnectingNow: 'Conexión perdida: reconectando…',
  statusUnauthorized: 'Sesión cerrada: el token fue rechazado',
  statusClosed: 'Desconectado',
  waitingToSend: '{count} por enviar',
  dismiss: 'Cerrar',
  errorTokenRefused:
    'Este token fue rechazado: puede haber caducado o estar firmado con otro secreto. Introduce uno nuevo.',
  errorTokenMissing: 'Introduce un token para entrar.',
  errorInvalidRoom: 'Eso no es un id de sala: usa letras, dígitos, _ y - (hasta 64), o GUILD#nombre para un gremio.',
  errorForbidden: 'No tienes permiso para entrar en la sala {room}.',
  errorNotFound: 'La sala {room} no existe.',
  errorTooLong: 'El mensaje es demasiado largo.',
  errorRateLimited: 'Estás enviando demasiado rápido: tu mensaje saldrá en un momento.',
  errorUnavailable: 'El servidor no puede guardar mensajes ahora mismo: tu mensaje se enviará de nuevo.',
  errorNetwork: 'No se puede contactar con el servidor. Comprueba tu conexión.',
  errorRevoked: 'Te han quitado de la sala {room}.',
  errorRoomsUnavailable: 'No se pudieron listar tus salas: {reason}',
  errorOther: 'Algo salió mal: {reason}',
  gapLoaded: 'Los mensajes perdidos mientras no estabas se cargaron del historial.',
}

const fr: Catalogue = {
  title: 'discussion guildhall',
  skipToMessage: 'Aller à la zone de message',
  signInHeading: 'Connexion',
  tokenLabel: 'Jeton',
  tokenHelp: 'Un jeton d’accès (un JWT). npm start en affiche un en mode développement.',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  signedInAs: 'Connecté en tant que {user}',
  language: 'Langue',
  myRooms: 'Mes salons',
  noRooms: 'Pas encore de salon : rejoignez-en un ci-dessous.',
  unread: '{count} non lus',
  joinHeading: 'Rejoindre un salon',
  roomLabel: 'Salon',
  roomHelp: 'L’identifiant d’un salon : lettres, chiffres, _ et - (64 au plus), par exemple lobby.',
  join: 'Rejoindre',
  noRoomOpen: 'Choisissez un salon dans votre liste, ou rejoignez-en un par son identifiant.',
  messages: 'Messages',
  messageLabel: 'Message',
  messageHelp: 'Entrée envoie ; Maj+Entrée commence une nouvelle ligne.',
  send: 'Envoyer',
  loadOlder: 'Charger les messages précédents',
  loadingOlder: 'Chargement des messages précédents…',
  beginning: 'C’est le début du salon.',
  newMessages: 'Nouveaux messages',
  online: 'En ligne',
  you: '{user} (vous)',
  typingOne: '{a} est en train d’écrire…',
  typingTwo: '{a} et {b} sont en train d’écrire…',
  typingMany: 'Plusieurs personnes sont en train d’écrire…',
  seenBy: 'Vu par {users}',
  sending: 'Envoi…',
  notSent: 'Non envoyé : {reason}',
  statusIdle: 'Non connecté',
  statusConnecting: 'Connexion…',
  statusOpen: 'Connecté',
  statusReconnecting: 'Connexion perdue : reconnexion dans {seconds} s (essai {attempt})…',
  statusReconnectingNow: 'Connexion perdue : reconnexion…',
  statusUnauthorized: 'Déconnecté : le jeton a été refusé',
  statusClosed: 'Déconnecté',
  waitingToSend: '{count} en attente d’envoi',
  dismiss: 'Fermer',
  errorTokenRefused:
    'Ce jeton a été refusé : il a peut-être expiré, ou il est signé avec un autre secret. Saisissez-en un nouveau.',
  errorTokenMissing: 'Saisissez un jeton pour vous connecter.',
  errorInvalidRoom:
    'Ce n’est pas un identifiant de salon : lettres, chiffres, _ et - (64 au plus), ou GUILD#nom pour une guilde.',
  errorForbidden: 'Vous n’avez pas accès au salon {room}.',
  errorNotFound: 'Le salon {room} n’existe pas.',
  errorTooLong: 'Le message est trop long.',
  errorRateLimited: 'Vous envoyez trop vite : votre message partira dans un instant.',
  errorUnavailable: 'Le serveur ne peut pas enregistrer de messages pour l’instant : votre message sera renvoyé.',
  errorNetwork: 'Le serveur est injoignable. Vérifiez votre connexion.',
  errorRevoked: 'Vous avez été retiré du salon {room}.',
  errorRoomsUnavailable: 'Impossible de lister vos salons : {reason}',
  errorOther: 'Une erreur est survenue : {reason}',
  gapLoaded: 'Les messages manqués pendant votre absence ont été chargés depuis l’historique.',
}

export const catalogues: Record<Language, Catalogue> = { en, es, fr }

/** `?lang=` if we have it, else the first of the browser's preferences we have (`fr-CA` → `fr`), else English. */
export function pickLanguage(requested: string | null | undefined, preferred: readonly string[]): Language {
  for (const tag of [requested ?? '', ...preferred]) {
    const base = tag.toLowerCase().split('-')[0]
    if ((languages as readonly string[]).includes(base ?? '')) return base as Language
    // An explicit ?lang= we do not have still falls back to the browser's preference.
  }
  return 'en'
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string

export function translator(lang: Language): Translate {
  const catalogue = catalogues[lang]
  return (key, values = {}) =>
    catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole))
}
