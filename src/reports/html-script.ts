/**
 * The report's only script, inlined: it shows the status filter and hides the cases (and the
 * files left empty) that do not match. Without it every case stays visible.
 */
export const REPORT_SCRIPT = `
(function () {
  var toolbar = document.getElementById('filters');
  if (!toolbar) { return; }
  var buttons = toolbar.querySelectorAll('button[data-filter]');
  var cases = document.querySelectorAll('tbody.case');
  var files = document.querySelectorAll('details.file');
  function apply(filter) {
    buttons.forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-filter') === filter));
    });
    cases.forEach(function (row) {
      row.hidden = filter !== 'all' && row.getAttribute('data-status') !== filter;
    });
    files.forEach(function (file) {
      file.hidden = file.querySelector('tbody.case:not([hidden])') === null;
    });
  }
  buttons.forEach(function (button) {
    button.addEventListener('click', function () { apply(button.getAttribute('data-filter') || 'all'); });
  });
  toolbar.hidden = false;
  apply('all');
})();
`;
