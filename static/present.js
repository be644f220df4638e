/* Presentation view: one slide at a time, arrow keys, space, Home/End, fullscreen.
   Without this script every slide stays visible one below the other (progressive enhancement). */
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  if (!slides.length) { return; }
  var current = 0;
  document.documentElement.classList.add("js-deck");

  function indexFromHash() {
    var match = /^#folie-(\d+)$/.exec(window.location.hash);
    var n = match ? parseInt(match[1], 10) - 1 : 0;
    return Math.min(Math.max(n, 0), slides.length - 1);
  }

  function show(n, moveFocus) {
    current = Math.min(Math.max(n, 0), slides.length - 1);
    slides.forEach(function (slide, i) {
      slide.classList.toggle("is-current", i === current);
      if (i === current) { slide.removeAttribute("aria-hidden"); } else { slide.setAttribute("aria-hidden", "true"); }
    });
    var hash = "#" + slides[current].id;
    // Only write the hash when moving (or when one is already there): a hash set on load
    // would make Chrome focus the first slide, and the first Tab would skip the skip link.
    if (window.location.hash !== hash && (moveFocus || window.location.hash)) {
      history.replaceState(null, "", hash);
    }
    if (moveFocus) { slides[current].focus({ preventScroll: true }); }
  }

  function isFormControl(el) {
    return el && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(el.tagName);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    var target = document.activeElement;
    if (isFormControl(target) && key !== "PageDown" && key !== "PageUp") { return; }
    var next = null;
    if (key === "ArrowRight" || key === "ArrowDown" || key === "PageDown" || (key === " " && !event.shiftKey)) {
      next = current + 1;
    } else if (key === "ArrowLeft" || key === "ArrowUp" || key === "PageUp" || (key === " " && event.shiftKey)) {
      next = current - 1;
    } else if (key === "Home") {
      next = 0;
    } else if (key === "End") {
      next = slides.length - 1;
    } else if (key === "f" || key === "F") {
      toggleFullscreen();
      return;
    }
    if (next !== null) {
      event.preventDefault();
      show(next, true);
    }
  });

  document.addEventListener("click", function (event) {
    var control = event.target.closest("[data-deck]");
    if (!control) { return; }
    var action = control.getAttribute("data-deck");
    event.preventDefault();
    if (action === "next") { show(current + 1, true); }
    if (action === "prev") { show(current - 1, true); }
    if (action === "fullscreen") { toggleFullscreen(); }
  });

  function toggleFullscreen() {
    if (!document.fullscreenEnabled) { return; }
    if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
  }

  window.addEventListener("hashchange", function () { show(indexFromHash(), true); });
  window.addEventListener("beforeprint", function () {
    slides.forEach(function (slide) { slide.removeAttribute("aria-hidden"); });
  });
  window.addEventListener("afterprint", function () { show(current, false); });

  var controls = document.querySelector(".deck-controls");
  if (controls) {
    controls.hidden = false;
    if (!document.fullscreenEnabled) {
      var fs = controls.querySelector('[data-deck="fullscreen"]');
      if (fs) { fs.hidden = true; }
    }
  }
  show(indexFromHash(), false);
}());
