// The organisation search box (core/widgets/search_select.html): picking a suggestion fills
// the hidden value; typing again clears it so a half-typed name is never submitted.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".search-select .suggestions button");
  if (!button) return;
  const box = button.closest(".search-select");
  box.querySelector("input[type=hidden]").value = button.dataset.value;
  box.querySelector("input[type=search]").value = button.dataset.label;
  box.querySelector(".suggestions").innerHTML = "";
});
document.addEventListener("input", (event) => {
  const box = event.target.closest(".search-select");
  if (box && event.target.type === "search") box.querySelector("input[type=hidden]").value = "";
});
// A name typed into an organisation search box but not picked from the suggestions would be
// dropped silently (the hidden value stays empty): stop the submit and say what to do instead.
document.addEventListener("submit", (event) => {
  for (const box of event.target.querySelectorAll(".search-select")) {
    const text = box.querySelector("input[type=search]");
    const hidden = box.querySelector("input[type=hidden]");
    let note = box.querySelector(".search-select-error");
    if (text.value.trim() && !hidden.value) {
      if (!note) {
        note = document.createElement("small");
        note.className = "errorlist search-select-error";
        note.setAttribute("role", "alert");
        box.appendChild(note);
      }
      note.textContent = `Pick “${text.value.trim()}” from the suggestions, or clear the box.`;
      text.focus();
      event.preventDefault();
      return;
    }
    if (note) note.remove();
  }
}, true);
// Destructive buttons ask first: <form data-confirm="Revoke this token?">.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !event.defaultPrevented && !window.confirm(message)) event.preventDefault();
});
// Copy buttons: <button data-copy="#element-id">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
});
