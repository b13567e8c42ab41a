// Same-origin calls to the fractal-atlas API. With --api-key the server answers 401; the page then asks for
// the key once and keeps it in sessionStorage (this tab only).

const KEY_STORAGE = 'fractal-atlas-api-key';

/** An API failure with the server's error code and message. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let pendingKey = null;

/** Shows the key dialog and resolves with the key typed (one dialog at a time). */
function askForKey(previousWasWrong) {
  pendingKey ??= new Promise((resolve) => {
    const dialog = document.getElementById('api-key-dialog');
    const input = document.getElementById('api-key-input');
    document.getElementById('api-key-error').textContent = previousWasWrong ? 'That key was refused; try again.' : '';
    input.value = '';
    const form = document.getElementById('api-key-form');
    form.addEventListener(
      'submit',
      () => {
        const key = input.value.trim();
        sessionStorage.setItem(KEY_STORAGE, key);
        pendingKey = null;
        resolve(key);
      },
      { once: true },
    );
    dialog.showModal();
  });
  return pendingKey;
}

async function request(path, init, attempt = 0) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const headers = { ...(init.headers ?? {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(path, { ...init, headers });
  } catch (err) {
    throw new ApiError('network', `cannot reach the server (${err.message})`, 0);
  }
  if (res.status === 401 && attempt < 5) {
    await askForKey(key !== null);
    return request(path, init, attempt + 1);
  }
  if (!res.ok) {
    let code = 'http_error';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not a JSON error body
    }
    throw new ApiError(code, message, res.status);
  }
  return res;
}

/** GET a JSON document. */
export async function getJson(path) {
  return (await request(path, { method: 'GET' })).json();
}

/** GET bytes. */
export async function getBytes(path) {
  return (await request(path, { method: 'GET' })).arrayBuffer();
}

/** POST a JSON body, returning the JSON answer. */
export async function postJson(path, body) {
  const res = await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}
