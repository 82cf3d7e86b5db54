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
