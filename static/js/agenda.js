/* Agenda editor: drag rows to reorder (progressive enhancement).
   Without JavaScript the Up/Down buttons do the same. On drop, the whole new order is sent to
   PUT /api/v1/meetings/<uuid>/agenda/order/ with the agenda as shown; if someone else changed it
   meanwhile the server refuses (409) and the page reloads with the current agenda. */
(function () {
  "use strict";
  var body = document.querySelector("tbody[data-order-url]");
  if (!body) return;
  var rows = function () { return Array.prototype.slice.call(body.querySelectorAll("tr[data-case]")); };
  if (rows().length < 2) return;
  var hint = document.querySelector(".js-only");
  if (hint) hint.hidden = false;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var dragged = null;

  function clearTargets() {
    rows().forEach(function (row) { row.classList.remove("drop-target"); });
  }

  function send(order) {
    var request = new XMLHttpRequest();
    request.open("PUT", body.getAttribute("data-order-url"));
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("Accept", "application/json");
    if (tokenInput) request.setRequestHeader("X-CSRFToken", tokenInput.value);
    request.onload = function () {
      if (request.status !== 200) {
        var detail = "The agenda could not be reordered.";
        try { detail = JSON.parse(request.responseText).detail || detail; } catch (e) { /* keep */ }
        window.alert(detail);
      }
      window.location.reload();
    };
    request.onerror = function () { window.location.reload(); };
    request.send(JSON.stringify({ order: order }));
  }

  rows().forEach(function (row) {
    row.setAttribute("draggable", "true");
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      row.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.getAttribute("data-case"));
    });
    row.addEventListener("dragend", function () {
      row.classList.remove("is-dragging");
      clearTargets();
    });
    row.addEventListener("dragover", function (event) {
      if (!dragged || dragged === row) return;
      event.preventDefault();
      clearTargets();
      row.classList.add("drop-target");
    });
    row.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged || dragged === row) return;
      var list = rows();
      var from = list.indexOf(dragged);
      var to = list.indexOf(row);
      body.insertBefore(dragged, from < to ? row.nextSibling : row);
      clearTargets();
      send(rows().map(function (r) { return r.getAttribute("data-case"); }));
    });
  });
})();
