/**
 * The access token prompt. A server listening beyond loopback (or with
 * SLUICE_TOKEN set) answers 401 until the browser holds its session cookie;
 * `POST /api/session` with the token sets it (HttpOnly, so no script here or
 * elsewhere ever reads it back).
 */
import { el, replace } from './dom';

/** True when the API answers this browser; otherwise shows the prompt in `app` and resolves false. */
export async function ensureSignedIn(app: HTMLElement): Promise<boolean> {
  const res = await fetch('/api/health', { headers: { accept: 'application/json' }, cache: 'no-store' }).catch(() => null);
  if (res?.status !== 401) return true;
  document.title = 'Sign in · Sluice';
  const input = el('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, 'data-testid': 'token-input' });
  const message = el('p', { class: 'muted small', role: 'status' });
  const form = el(
    'form',
    { class: 'sign-in', 'data-testid': 'sign-in' },
    el('h1', null, 'This Sluice needs its access token'),
    el('p', null, 'It was printed once by sluice start, and is kept in data/.sluice/token on the server (or in SLUICE_TOKEN).'),
    el('label', null, 'Access token ', input),
    el('button', { type: 'submit', class: 'button' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.textContent = 'Checking…';
    fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: input.value.trim() }) })
      .then((r) => {
        if (r.ok) location.reload();
        else message.textContent = r.status === 401 ? 'That is not this server’s token.' : `The server answered ${r.status}.`;
      })
      .catch(() => {
        message.textContent = 'Cannot reach the server.';
      });
  });
  replace(app, el('main', null, el('div', { class: 'page' }, form)));
  return false;
}
