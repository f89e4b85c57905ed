/* Case picker: search as you type (progressive enhancement).
   The page lists only the most urgent cases waiting for an agenda, with a search field and a
   Search button that posts the form without JavaScript. With it, typing asks
   POST /api/v1/boards/<uuid>/schedulable-cases/ (a POST, so a typed MRN or name never appears in
   a URL) and replaces the offered cases; cases already chosen stay. The live status line
   (role="status") is changed only once the answer to the latest search is in, so it always
   describes the list a screen reader user is about to reach. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 250;
  var NO_BOARD = "00000000-0000-0000-0000-000000000000";

  function csrfToken(root) {
    var form = root.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setUp(root) {
    var input = root.querySelector("[data-picker-input]");
    var status = root.querySelector("[data-picker-status]");
    var widget = document.getElementById(root.getAttribute("data-picker-widget"));
    if (!input || !status || !widget) return;
    var name = root.getAttribute("data-picker-name");
    var meeting = root.getAttribute("data-picker-meeting");
    var boards = root.getAttribute("data-picker-boards");
    var boardSelect = document.getElementById(root.getAttribute("data-picker-board-field") || "");
    boards = boards ? JSON.parse(boards) : null;
    var button = root.querySelector("[data-picker-search-button]");
    if (button) button.hidden = true;
    var multiple = widget.tagName !== "SELECT";
    var latest = 0;
    var timer = null;
    var controller = null;

    function text(key) { return root.getAttribute("data-text-" + key) || ""; }

    function url() {
      var address = root.getAttribute("data-picker-url");
      if (boards && boardSelect) address = address.replace(NO_BOARD, boards[boardSelect.value] || NO_BOARD);
      return address;
    }

    function chosen() {
      if (!multiple) return widget.value ? [widget.value] : [];
      return Array.prototype.map.call(widget.querySelectorAll("input:checked"), function (box) { return box.value; });
    }

    function showSelect(results) {
      var keep = widget.value;
      Array.prototype.slice.call(widget.options).forEach(function (option) {
        if (option.value && option.value !== keep) option.remove();
      });
      results.forEach(function (item) {
        if (item.uuid === keep) return;
        widget.add(new Option(item.label, item.uuid));
      });
    }

    function showBoxes(results) {
      var keep = chosen();
      Array.prototype.slice.call(widget.children).forEach(function (line) {
        var box = line.querySelector("input");
        if (!box || !box.checked) line.remove();
      });
      results.forEach(function (item, index) {
        if (keep.indexOf(item.uuid) !== -1) return;
        var line = document.createElement("div");
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = item.uuid;
        box.id = widget.id + "_found_" + index;
        label.htmlFor = box.id;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + item.label));
        line.appendChild(label);
        widget.appendChild(line);
      });
    }

    function describe(answer) {
      var words = answer.searched ? (answer.results.length ? text("matching") : text("none")) : text("all");
      return answer.more ? words + " " + text("more") : words;
    }

    function search() {
      var mine = ++latest;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var body = { q: input.value.trim() };
      if (meeting) body.meeting = meeting;
      root.setAttribute("aria-busy", "true");
      fetch(url(), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken(root) },
        body: JSON.stringify(body),
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (answer) {
        if (mine !== latest) return; // a later search is on its way: its answer will speak
        if (multiple) showBoxes(answer.results); else showSelect(answer.results);
        status.textContent = describe(answer);
        root.removeAttribute("aria-busy");
      }).catch(function (error) {
        if (mine !== latest || (error && error.name === "AbortError")) return;
        status.textContent = text("failed");
        if (button) button.hidden = false;
        root.removeAttribute("aria-busy");
      });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DEBOUNCE_MS);
    }

    input.addEventListener("input", later);
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter searches now; it does not submit the form
      window.clearTimeout(timer);
      search();
    });
    if (boardSelect) boardSelect.addEventListener("change", search);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-case-picker]"), setUp);
})();
