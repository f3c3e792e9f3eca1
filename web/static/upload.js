// Upload progress for evidence files. Without this script the form posts
// normally; with it, the same request goes through XMLHttpRequest so the
// bar can show its progress, then the page shows the server's answer.
(() => {
  const form = document.getElementById('upload-form');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const bar = document.getElementById('upload-progress');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', (p) => {
      if (!p.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round((100 * p.loaded) / p.total);
      bar.textContent = bar.value + ' %';
    });
    xhr.addEventListener('load', () => {
      if (xhr.responseURL && xhr.status < 400) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener('error', () => { form.submit(); });
    xhr.send(new FormData(form));
  });
})();
