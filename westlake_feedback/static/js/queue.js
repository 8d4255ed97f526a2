// Progressive enhancement: a "select every comment on this page" checkbox for the queue.
(function () {
  var cell = document.getElementById("select-col");
  var rows = Array.from(document.querySelectorAll(".row-select"));
  if (!cell || !rows.length) return;
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  all.setAttribute("aria-label", zh ? "全选本页意见" : "Select every comment on this page");
  cell.insertBefore(all, cell.firstChild);
  function sync() {
    var checked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = checked === rows.length;
    all.indeterminate = checked > 0 && checked < rows.length;
  }
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
