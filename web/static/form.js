// Réalisation form: keep competences consistent with their activity as the
// student ticks. The form works without this script; the server applies
// the same rule.

// A refused form: focus its error summary, whose links lead to each field.
const summary = document.getElementById('error-summary');
if (summary) summary.focus();
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
