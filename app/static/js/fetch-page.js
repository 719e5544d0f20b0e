document.addEventListener("DOMContentLoaded", function () {
  var page = document.getElementById("fetch-page");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  document.getElementById("fetch-say-hi").addEventListener("click", async function () {
    var result = document.getElementById("fetch-result");
    var response = await fetch(page.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ name: document.getElementById("fetch-name").value }),
    });
    var data = await response.json();
    // textContent, not innerHTML: the server's text is shown, never run.
    result.textContent = response.ok ? data.message : data.message || "Error " + response.status;
  });
});
