// Live recipient count on the crime alert form. The page works without it (the "Count recipients" button).
(function () {
  "use strict";
  var form = document.getElementById("crime-alert-form");
  if (!form) { return; }
  var box = document.getElementById("reach");
  var timer = null;
  function update() {
    var params = new URLSearchParams();
    ["alert_type", "statewide"].forEach(function (name) {
      var el = form.elements[name];
      if (!el) { return; }
      if (el.type === "checkbox") { if (el.checked) { params.append(name, "on"); } }
      else if (el.value) { params.append(name, el.value); }
    });
    ["regions", "business_types"].forEach(function (name) {
      form.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (el) { params.append(name, el.value); });
    });
    var counties = form.elements.counties;
    if (counties) {
      Array.prototype.forEach.call(counties.selectedOptions, function (opt) { params.append("counties", opt.value); });
    }
    fetch(form.dataset.reachUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        box.textContent = "This alert will reach " + data.subscribers + " subscriber" + (data.subscribers === 1 ? "" : "s") +
          " (" + data.email + " by e-mail, " + data.sms + " by text message).";
      });
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
}());
