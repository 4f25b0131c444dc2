// The notebook map: hosts the app's WebGL scatter (clustering/visual/scatter, the same page the reports inline) in an
// iframe and speaks its Streamlit-component messages, as a report's page does. Points, colour codes and marked rows
// arrive from Python as binary buffers; the scatter's replies (selection, click, hover) go back through the model.
const TRAITS = ["xy", "codes", "legend", "names_on_map", "hover_text", "ask_hover", "hover_detail", "images",
  "image_shape", "data_id", "height", "marked", "marked_id", "focus"];

function bytesOf(value) {
  if (!value) return null;
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

function render({ model, el }) {
  el.classList.add("clusterlab-map");
  const bar = document.createElement("div");
  bar.style.cssText = "display:flex;gap:10px;align-items:center;font:13px sans-serif;margin:0 0 4px 0;color:#262730";
  const label = document.createElement("label");
  label.textContent = "Colour by ";
  const choice = document.createElement("select");
  choice.className = "clusterlab-colour-by";
  label.appendChild(choice);
  const count = document.createElement("span");
  count.className = "clusterlab-selected";
  bar.append(label, count);
  const frame = document.createElement("iframe");
  frame.title = "clusterlab map";
  frame.style.cssText = "width:100%;border:0;display:block";
  frame.style.height = (model.get("height") + 4) + "px";
  el.append(bar, frame);

  let ready = false;
  function options() {
    choice.innerHTML = "";
    for (const name of model.get("color_options") || []) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      choice.appendChild(option);
    }
    choice.value = model.get("color_by");
  }
  function counted() {
    const n = model.get("selected_count");
    count.textContent = n ? `${n.toLocaleString()} selected (.selection in Python)` : "";
  }
  function draw() {
    if (!ready) return;
    frame.contentWindow.postMessage({
      type: "streamlit:render",
      args: {
        xy: bytesOf(model.get("xy")), codes: bytesOf(model.get("codes")),
        palette: (model.get("legend") || []).map((entry) => entry.colour), legend: model.get("legend") || [],
        labels: model.get("names_on_map") || [], hover_text: model.get("hover_text"), ask_hover: model.get("ask_hover"),
        hover_detail: model.get("hover_detail"), images: bytesOf(model.get("images")),
        image_shape: model.get("image_shape"), data_id: model.get("data_id"), height: model.get("height"),
        marked: bytesOf(model.get("marked")), marked_id: model.get("marked_id"), focus: model.get("focus"), shapes: [],
      },
    }, "*");
  }
  function onMessage(event) {
    if (event.source !== frame.contentWindow) return;
    const message = event.data || {};
    if (message.type === "streamlit:componentReady") { ready = true; draw(); }
    if (message.type === "streamlit:setFrameHeight") frame.style.height = Math.min(Number(message.height) || 600, 2000) + "px";
    if (message.type === "streamlit:setComponentValue" && message.value) {
      model.set("reply", message.value);
      model.save_changes();
    }
  }
  window.addEventListener("message", onMessage);
  choice.addEventListener("change", () => { model.set("color_by", choice.value); model.save_changes(); });
  const redraw = () => draw();
  for (const name of TRAITS) model.on(`change:${name}`, redraw);
  model.on("change:color_options", options);
  model.on("change:color_by", options);
  model.on("change:selected_count", counted);
  options();
  counted();
  frame.srcdoc = model.get("_page"); // set after the listener, so the scatter's ready message is never missed
  return () => {
    window.removeEventListener("message", onMessage);
    for (const name of TRAITS) model.off(`change:${name}`, redraw);
  };
}

export default { render };
