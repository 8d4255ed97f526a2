// Progressive enhancement: a live character count under the comment box.
(function () {
  var box = document.getElementById("body");
  var out = document.getElementById("body-count");
  if (!box || !out) return;
  var max = parseInt(box.getAttribute("data-maxlength") || "2000", 10);
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  function update() {
    var n = Array.from(box.value.trim()).length;
    out.textContent = zh ? "已输入 " + n + " / " + max + " 字" : n + " / " + max + " characters";
  }
  out.hidden = false;
  box.addEventListener("input", update);
  update();
})();
