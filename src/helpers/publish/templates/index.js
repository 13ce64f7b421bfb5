(function () {
  "use strict";
  var box = document.getElementById("catalogue-filter");
  if (!box) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll(".catalogue-item"));
  var texts = items.map(function (li) { return (li.textContent || "").toLowerCase(); });
  var sections = Array.prototype.slice.call(document.querySelectorAll(".catalogue-section"));
  var field = function (id) { return document.getElementById(id); };
  var q = field("filter-text"), from = field("filter-from"), to = field("filter-to");
  var paper = field("filter-paper"), count = field("filter-count");
  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var a = from.value, b = to.value, p = paper.value, shown = 0;
    items.forEach(function (li, i) {
      var d0 = li.getAttribute("data-from") || "", d1 = li.getAttribute("data-to") || "";
      var ok = !(a && (!d1 || d1 < a)) && !(b && (!d0 || d0 > b));
      if (ok && p) { ok = (li.getAttribute("data-paper") || "").split("|").indexOf(p) >= 0; }
      for (var k = 0; ok && k < words.length; k++) { ok = texts[i].indexOf(words[k]) >= 0; }
      li.hidden = !ok;
      if (ok) { shown++; }
    });
    sections.forEach(function (s) { s.hidden = !s.querySelector(".catalogue-item:not([hidden])"); });
    count.textContent = shown === items.length ? items.length + " reports" : shown + " of " + items.length + " reports match";
  }
  [q, from, to, paper].forEach(function (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); });
  box.hidden = false;
  apply();
}());
