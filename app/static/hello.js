// The notes' script. The button is wired here rather than with onclick="sayHello()" so that a
// Content-Security-Policy without 'unsafe-inline' can be used on every page.
function sayHello() {
  alert("Hello World");
}

document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("say-hello");
  if (button) {
    button.addEventListener("click", sayHello);
  }
});
