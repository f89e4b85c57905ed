// "Print" buttons (data-print) work only with JavaScript, so they stay hidden without it.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
