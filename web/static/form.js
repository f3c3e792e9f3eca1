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

// Production links: « Ajouter un lien » and « Retirer » work in the page
// (without the script they send the form, which comes back with one row
// more or less).
const productions = form && form.querySelector('#add-production');
if (productions) {
  const renumber = () => {
    form.querySelectorAll('.production').forEach((row, i) => {
      row.querySelectorAll('input').forEach((input) => {
        const id = input.name === 'production_title' ? 'production-title-' + i : 'production-url-' + i;
        const label = row.querySelector('label[for="' + CSS.escape(input.id) + '"]');
        input.id = id;
        if (label) {
          label.htmlFor = id;
          label.textContent = label.textContent.replace(/\d+$/, String(i + 1));
        }
      });
      const remove = row.querySelector('.remove-production');
      if (remove) {
        remove.value = String(i);
        remove.setAttribute('aria-label', 'Retirer le lien ' + (i + 1));
      }
    });
  };
  form.addEventListener('click', (ev) => {
    const remove = ev.target.closest('.remove-production');
    if (ev.target === productions) {
      ev.preventDefault();
      const rows = form.querySelectorAll('.production');
      const row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll('input').forEach((input) => { input.value = ''; input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); });
      row.querySelectorAll('p.error').forEach((e) => e.remove());
      rows[rows.length - 1].after(row);
      renumber();
      row.querySelector('input').focus();
      if (form.querySelectorAll('.production').length >= Number(productions.dataset.max)) productions.hidden = true;
    } else if (remove) {
      ev.preventDefault();
      const row = remove.closest('.production');
      const next = row.nextElementSibling && row.nextElementSibling.classList.contains('production') ? row.nextElementSibling : null;
      if (form.querySelectorAll('.production').length > 1) {
        row.remove();
      } else {
        row.querySelectorAll('input').forEach((input) => { input.value = ''; });
      }
      productions.hidden = false;
      renumber();
      (next ? next.querySelector('input') : productions).focus();
    }
  });
}

// The filter over the units to tick: a code (« A4.1 ») or words of their
// titles (« base de données »), accents and case ignored. Ticked units stay
// in view. The field appears only with this script.
const filterField = document.getElementById('unit-filter-field');
if (filterField) {
  filterField.hidden = false;
  const input = document.getElementById('unit-filter');
  const count = document.getElementById('unit-filter-count');
  const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const blocks = [...document.querySelectorAll('.activities .activity')];
  const texts = new Map(blocks.map((b) => [b, fold(b.querySelector('.activity-check').textContent)]));
  input.addEventListener('input', () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    blocks.forEach((b) => {
      const ticked = b.querySelector('input[name="activity"]').checked;
      const hit = words.every((w) => texts.get(b).includes(w));
      b.classList.toggle('filtered-out', !hit && !ticked);
      if (hit) shown++;
    });
    // Headings without a unit left under them go too; sections with one open.
    document.querySelectorAll('.activities details.section').forEach((sec) => {
      let last = { h2: null, h3: null };
      const visible = new Set();
      [...sec.children].forEach((el) => {
        if (el.matches('h2')) { last = { h2: el, h3: null }; el.classList.add('filtered-out'); }
        else if (el.matches('h3')) { last.h3 = el; el.classList.add('filtered-out'); }
        else if (el.matches('.activity') && !el.classList.contains('filtered-out')) {
          if (last.h2) visible.add(last.h2);
          if (last.h3) visible.add(last.h3);
        }
      });
      visible.forEach((h) => h.classList.remove('filtered-out'));
      if (words.length === 0) sec.querySelectorAll('h2, h3').forEach((h) => h.classList.remove('filtered-out'));
      if (words.length > 0 && !sec.open && sec.querySelector('.activity:not(.filtered-out)')) {
        sec.open = true;
        sec.dataset.openedByFilter = '1';
      } else if (words.length === 0 && sec.dataset.openedByFilter) {
        sec.open = false; // as it was before the filter
        delete sec.dataset.openedByFilter;
      }
    });
    count.textContent = words.length === 0 ? '' : shown + ' sur ' + blocks.length;
  });
  input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { input.value = ''; input.dispatchEvent(new Event('input')); } });
}
