// Feeds the app's scatter (in the iframe) with this report's packed data; the select chooses the colouring.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const frame = document.getElementById("scatter-frame");
  const choice = document.getElementById("colour-by");
  function bytes(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  const xy = bytes(data.xy);
  const images = data.images ? bytes(data.images) : null;
  const codes = data.views.map((view) => bytes(view.codes));
  data.views.forEach((view, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = view.name;
    choice.appendChild(option);
  });
  function render() {
    const i = Number(choice.value || 0);
    const view = data.views[i];
    frame.contentWindow.postMessage({
      type: "streamlit:render",
      args: {
        xy: xy, codes: codes[i], palette: view.legend.map((entry) => entry.colour), legend: view.legend,
        hover_text: data.hover, images: images, image_shape: data.image_shape, data_id: "view-" + i, height: 560,
        shapes: [], labels: view.labels || [],
      },
    }, "*");
  }
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const message = event.data || {};
    if (message.type === "streamlit:componentReady") render();
    if (message.type === "streamlit:setFrameHeight") frame.style.height = Math.min(Number(message.height) || 600, 2000) + "px";
  });
  choice.addEventListener("change", render);
  frame.srcdoc = data.page; // set after the listener above, so the scatter's ready message is never missed
})();
