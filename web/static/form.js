// Réalisation form: keep competences consistent with their activity as the
// student ticks. The form works without this script; the server applies
// the same rule.

// A refused form: focus its error summary, whose links lead to each field.
const summary = document.getElementById('error-summary');
if (summary) {
  summary.focus();
  // A link of the summary puts the focus in the field itself (the next
  // Tab then goes on from there), its label in view.
  summary.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[href^="#"]');
    const field = a && document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
    if (!field) return;
    ev.preventDefault();
    const details = field.closest('details');
    if (details) details.open = true;
    const label = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    (label || field).scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
  });
}
document.addEventListener('change', (ev) => {
  const box = ev.target;
  if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
  const block = box.closest('.activity');
  if (!block) return;
  const activity = block.querySelector('input[name="activity"]');
  if (box === activity && !box.checked) {
    block.querySelectorAll('input[name="competence"]').forEach((c) => { c.checked = false; });
  } else if (box.name === 'competence' && box.checked && activity) {
    activity.checked = true;
  }
});

const form = document.querySelector('form.realisation');
if (form) {
  // Enter in a one-line field does not send the whole long form (it is
  // how a browser submits; here it only ever sent it half filled in).
  const noEnter = (ev) => {
    const t = ev.target;
    if (ev.key === 'Enter' && t instanceof HTMLInputElement && t.type !== 'submit' && t.type !== 'button' &&
        t.type !== 'checkbox' && t.type !== 'radio') {
      ev.preventDefault();
    }
  };
  form.addEventListener('keydown', noEnter);
  form.addEventListener('keypress', noEnter);
  // Leaving the page with unsaved input asks first.
  let dirty = false;
  form.addEventListener('input', () => { dirty = true; });
  form.addEventListener('change', () => { dirty = true; });
  form.addEventListener('submit', () => { dirty = false; });
  window.addEventListener('beforeunload', (ev) => {
    if (dirty) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  });
}
