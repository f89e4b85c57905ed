/* Meeting screen and plan page: a timer per case, keyboard shortcuts, adding formset rows,
   showing the activity details that fit the chosen kind, and a warning before leaving a form
   with unsaved words. Plain JavaScript, no build step, no third-party code. */
(function () {
  "use strict";

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // --- the case timer: counts from when the case was first opened in this tab -------------------
  function Timer(el) {
    var key = "tumorboard-timer:" + el.dataset.timerKey;
    var limit = (parseInt(el.dataset.minutes, 10) || 0) * 60;
    var display = el.querySelector(".case-timer__time");
    var toggle = el.querySelector('[data-timer="toggle"]');
    var reset = el.querySelector('[data-timer="reset"]');
    var state = load();

    function fresh() {
      return { elapsed: 0, started: Date.now() };
    }
    function load() {
      try {
        return JSON.parse(window.sessionStorage.getItem(key)) || fresh();
      } catch (e) {
        return fresh();
      }
    }
    function save() {
      try {
        window.sessionStorage.setItem(key, JSON.stringify(state));
      } catch (e) {
        /* private mode: the timer still runs, it just is not remembered */
      }
    }
    function seconds() {
      var running = state.started ? Math.floor((Date.now() - state.started) / 1000) : 0;
      return state.elapsed + running;
    }
    function render() {
      var s = seconds();
      display.textContent = pad(Math.floor(s / 60)) + ":" + pad(s % 60);
      el.classList.toggle("case-timer--over", limit > 0 && s > limit);
      el.classList.toggle("case-timer--paused", !state.started);
      if (toggle) {
        toggle.textContent = state.started ? toggle.dataset.pause : toggle.dataset.resume;
      }
    }
    this.toggle = function () {
      if (state.started) {
        state = { elapsed: seconds(), started: null };
      } else {
        state = { elapsed: state.elapsed, started: Date.now() };
      }
      save();
      render();
    };
    if (toggle) toggle.addEventListener("click", this.toggle);
    if (reset) {
      reset.addEventListener("click", function () {
        state = fresh();
        save();
        render();
      });
    }
    save();
    render();
    window.setInterval(render, 1000);
  }

  var timerEl = document.querySelector(".case-timer");
  var timer = timerEl ? new Timer(timerEl) : null;

  // --- unsaved words ------------------------------------------------------------------------
  // A form shown again with errors or beside someone else's save holds words not yet saved.
  var dirty = Boolean(document.querySelector("form[data-save-form] .error-summary, .conflict"));
  document.querySelectorAll("form[data-save-form]").forEach(function (form) {
    form.addEventListener("input", function () {
      dirty = true;
    });
    form.addEventListener("submit", function () {
      dirty = false;
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- keyboard -----------------------------------------------------------------------------
  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) window.location.assign(link.href);
  }
  function saveCurrentForm() {
    var active = document.activeElement;
    var form = active && active.closest ? active.closest("form[data-save-form]") : null;
    form = form || document.querySelector("form[data-save-form]");
    if (!form) return;
    dirty = false;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      if (event.code === "KeyN") {
        event.preventDefault();
        follow('[data-nav="next"]');
      } else if (event.code === "KeyP") {
        event.preventDefault();
        follow('[data-nav="previous"]');
      } else if (event.code === "KeyT" && timer) {
        event.preventDefault();
        timer.toggle();
      }
    } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.code === "KeyS") {
      event.preventDefault();
      saveCurrentForm();
    }
  });

  // --- activity details that fit the kind ---------------------------------------------------
  function applyKind(row) {
    var kind = row.querySelector('select[name$="-kind"]');
    if (!kind) return;
    row.querySelectorAll("[data-kinds]").forEach(function (input) {
      var field = input.closest(".field") || input;
      var fits = !kind.value || input.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      field.hidden = !fits && !input.value;
    });
  }
  document.querySelectorAll("[data-row]").forEach(applyKind);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('select[name$="-kind"]')) {
      var row = event.target.closest("[data-row]");
      if (row) applyKind(row);
    }
  });

  // --- adding formset rows ------------------------------------------------------------------
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.addRow;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.querySelector('template[data-empty-row="' + prefix + '"]');
      var rows = document.querySelector('[data-formset="' + prefix + '"]');
      if (!total || !template || !rows) return;
      var index = parseInt(total.value, 10) || 0;
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, index));
      total.value = index + 1;
      var row = rows.lastElementChild;
      applyKind(row);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  });
})();
