// The public form, enhanced: choose the county by touching the map, or use the phone's location.
// Without JavaScript the county list and the latitude/longitude fields do the same.
(function () {
  "use strict";
  var box = document.querySelector(".sar-pick-map");
  if (box) {
    var select = document.getElementById(box.getAttribute("data-select"));
    var paths = box.querySelectorAll("path[data-fips]");
    var mark = function (fips) {
      paths.forEach(function (p) { p.classList.toggle("sar-picked", p.getAttribute("data-fips") === fips); });
    };
    box.addEventListener("click", function (event) {
      var path = event.target.closest ? event.target.closest("path[data-fips]") : null;
      if (!path || !select) { return; }
      select.value = path.getAttribute("data-fips");
      mark(select.value);
      select.dispatchEvent(new Event("change"));
    });
    if (select) {
      select.addEventListener("change", function () { mark(select.value); });
      mark(select.value);
    }
  }
  var locate = document.querySelector(".sar-locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(5);
        document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(5);
      });
    });
  }
})();
