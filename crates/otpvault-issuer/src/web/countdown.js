// The only script of the portal: counts down the temporary code's minutes. Without it the page
// shows the expiry time and refreshes itself every 5 seconds.
"use strict";
(function () {
  var element = document.getElementById("countdown");
  if (!element) { return; }
  var left = parseInt(element.getAttribute("data-seconds-left"), 10);
  var end = Date.now() + left * 1000;
  function draw() {
    var seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
    var s = seconds % 60;
    element.textContent = Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  draw();
  setInterval(draw, 1000);
})();
