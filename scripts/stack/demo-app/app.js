// The demo app's only script (served as a file: the page's CSP allows no inline script). It asks
// the API who the session cookie belongs to; the cookie goes along by itself (same origin).
const show = (id, text) => {
  document.getElementById(id).textContent = text;
};

fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then(async (response) => {
    if (!response.ok) throw new Error(`the API answered ${response.status}`);
    return response.json();
  })
  .then((me) => {
    show('who', me.email);
    show('user-id', me.userId);
    document.body.dataset.state = 'ready';
  })
  .catch((error) => {
    show('status', String(error.message));
    document.body.dataset.state = 'error';
  });
