// Configures Sijax from data attributes instead of the inline <script> Flask-Sijax printed,
// and sends the CSRF token with every jQuery POST.
jQuery(function ($) {
  var page = document.getElementById("sijax-page");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  $.ajaxSetup({ headers: { "X-CSRFToken": token } });
  Sijax.setRequestUri(page.dataset.requestUri);
  $("#sijax-say-hi").on("click", function () {
    Sijax.request("say_hi", [$("#sijax-name").val()]);
  });
});
