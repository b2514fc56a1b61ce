/**
 * The page's entry (docs/page.md): picks the language, then either signs in with the token
 * it has (`?token=`, or this tab's earlier one) or shows the sign-in form.
 */
import { Chat } from "./chat.js";
import { byId, el } from "./dom.js";
import { languages, pickLanguage, translator } from "./i18n.js";
import { forgetToken, keepToken, roomFromHash, takeToken, tokenSubject } from "./session.js";
const params = new URLSearchParams(location.search);
const lang = pickLanguage(params.get('lang'), navigator.languages);
const t = translator(lang);
let chat;
translatePage(t);
wireHeader();
const token = takeToken(location, history, sessionStorage);
if (token)
    signIn(token);
else
    showSignIn();
function translatePage(t) {
    document.documentElement.lang = lang;
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach((node) => {
        node.textContent = t(node.dataset.i18n);
    });
    document.querySelectorAll('[data-i18n-label]').forEach((node) => {
        node.setAttribute('aria-label', t(node.dataset.i18nLabel));
    });
    document.querySelectorAll('[data-lang]').forEach((link) => {
        if (link.dataset.lang === lang)
            link.setAttribute('aria-current', 'true');
    });
}
function wireHeader() {
    // Links, not a menu that reloads on change (WCAG 3.2.2): the page reloads in the chosen
    // language, keeping the token (this tab) and the open room (the #fragment).
    document.querySelectorAll('[data-lang]').forEach((link) => {
        link.addEventListener('click', (e) => {
            const chosen = link.dataset.lang;
            if (!chosen || !languages.includes(chosen))
                return;
            e.preventDefault();
            const url = new URL(location.href);
            url.searchParams.set('lang', chosen);
            location.assign(url);
        });
    });
    byId('sign-out').addEventListener('click', () => {
        forgetToken(sessionStorage);
        chat?.close();
        chat = undefined;
        showSignIn();
    });
    byId('signin-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const field = byId('token');
        const value = field.value.trim();
        if (!value) {
            field.setAttribute('aria-invalid', 'true');
            showError(t('errorTokenMissing'));
            return field.focus();
        }
        field.value = '';
        signIn(value);
    });
}
function signIn(token) {
    const me = tokenSubject(token);
    if (!me)
        return showSignIn(t('errorTokenRefused'));
    keepToken(sessionStorage, token);
    clearError();
    byId('signin-view').hidden = true;
    byId('chat-view').hidden = false;
    byId('sign-out').hidden = false;
    byId('whoami').textContent = t('signedInAs', { user: me });
    chat = new Chat({
        token,
        me,
        t,
        lang,
        onSignedOut: () => {
            chat = undefined;
            forgetToken(sessionStorage);
            showSignIn(t('errorTokenRefused'));
        },
        onError: showError,
    });
    void chat.start(roomFromHash(location.hash));
}
function showSignIn(error) {
    byId('chat-view').hidden = true;
    byId('sign-out').hidden = true;
    byId('skip').hidden = true;
    byId('whoami').textContent = '';
    byId('connection').textContent = '';
    byId('signin-view').hidden = false;
    const field = byId('token');
    if (error) {
        field.setAttribute('aria-invalid', 'true');
        showError(error);
    }
    else
        clearError();
    field.focus();
}
/** The alert region says what went wrong, in words; the next error replaces it. */
function showError(text) {
    const alert = byId('alert');
    const dismiss = el('button', { type: 'button', class: 'dismiss' }, t('dismiss'));
    dismiss.addEventListener('click', () => {
        clearError();
        const back = chat ? (byId('room-view').hidden ? byId('room-id') : byId('message')) : byId('token');
        back.focus();
    });
    alert.replaceChildren(el('p', {}, text), dismiss);
}
function clearError() {
    byId('alert').replaceChildren();
    byId('token').removeAttribute('aria-invalid');
}
