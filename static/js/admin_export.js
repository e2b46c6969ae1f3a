// The export page's "Tout sélectionner": shown once this script runs (without it, each column
// stays a plain checkbox), and kept in step when a column is ticked by hand.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("select-all-fields");
  if (!toggle) {
    return;
  }
  const columns = () => document.querySelectorAll(".selectable-field-export-row input[type=checkbox]");
  const sync = () => {
    toggle.checked = Array.from(columns()).every((box) => box.checked);
  };
  toggle.addEventListener("change", () => {
    columns().forEach((box) => {
      box.checked = toggle.checked;
    });
  });
  columns().forEach((box) => box.addEventListener("change", sync));
  document.getElementById("select-all-row").hidden = false;
  sync();
});
