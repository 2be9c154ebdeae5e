// A stand-in for the output side of VS Code's notebook view, built around VS Code's own widget
// bundle (@vscode/jupyter-ipywidgets8, build/ipywidgets.js). It does what the Jupyter extension's
// webview does (src/webviews/webview-side/ipywidgets/kernel/{index,manager}.ts in vscode-jupyter):
//   activate() + load()  -> window.vscIPyWidgets.WidgetManager
//   new WidgetManager(kernel, container, scriptLoader, logger, undefined)
//   on each display_data with a widget view: get_model, create_view, display_view.
// Differences, on purpose: the kernel is a @jupyterlab/services connection to a local Jupyter
// server (VS Code proxies the same messages), the script loader has no CDN (as with VS Code's
// default `jupyter.widgetScriptSources: []` or no network), and the nested-output renderers
// that VS Code delegates to its renderer extensions are small stand-ins that tag what they got.
import { activate } from './build/ipywidgets.js';

const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
const host = (window.vscodeHost = { log: [], widgetLoadErrors: [], outputs: 0, ready: null });
const log = (message) => host.log.push(String(message));

// Third-party widget front ends: VS Code would fetch them from a CDN if the user allowed it.
const scriptLoader = {
  widgetsRegisteredInRequireJs: new Set(),
  async loadWidgetScript(moduleName, moduleVersion) {
    throw new Error(`no CDN here: cannot load ${moduleName}@${moduleVersion}`);
  },
  successHandler() {},
  errorHandler(className, moduleName, moduleVersion, error) {
    host.widgetLoadErrors.push(`${moduleName}@${moduleVersion}:${className}: ${error}`);
  },
};

// The nested outputs (e.g. inside an ipywidgets Output) that VS Code hands to other renderers.
const NESTED = ['application/vnd.plotly.v1+json', 'image/svg+xml', 'image/png', 'text/html', 'text/plain'];

function stamp(node, mime, data) {
  const el = document.createElement('div');
  el.className = 'vscode-mime';
  el.dataset.mime = mime;
  const value = data[mime];
  if (mime === 'application/vnd.plotly.v1+json') {
    el.dataset.traces = String((value.data || []).length);
    el.dataset.points = JSON.stringify((value.data || []).map((t) => (t.y || []).length));
    el.textContent = `[plotly figure: ${el.dataset.traces} traces]`;
  } else if (mime === 'text/html' || mime === 'image/svg+xml') {
    el.innerHTML = value;
  } else {
    el.textContent = mime === 'text/plain' ? value : `[${mime}]`;
  }
  node.replaceChildren(el);
}

async function start() {
  activate();
  window.vscIPyWidgets8.load();
  const params = new URLSearchParams(location.search);
  const { KernelManager, ServerConnection } = window.jlabServices;
  // The page and the Jupyter server are on different origins, as VS Code's webview and its kernel are.
  const server = new URL(params.get('server'));
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: `${server.origin}/`, wsUrl: `ws://${server.host}/`, token: params.get('token'), appendToken: true,
  });
  const kernels = new KernelManager({ serverSettings });
  const kernel = await kernels.startNew({ name: 'python3' });
  const outputs = document.getElementById('outputs');
  const manager = new window.vscIPyWidgets.WidgetManager(kernel, outputs, scriptLoader, log, undefined);
  for (const mime of NESTED) {
    manager.registerMimeRenderer(mime, async ({ data }, node) => stamp(node, mime, data));
  }
  host.kernel = kernel;
  host.manager = manager;
}

function outputArea() {
  const container = document.createElement('div');
  container.className = 'vscode-output';
  // The class VS Code's renderer gives the element a widget is drawn into.
  const ele = document.createElement('div');
  ele.className = 'cell-output-ipywidget-background';
  container.appendChild(ele);
  document.getElementById('outputs').appendChild(container);
  host.outputs += 1;
  return ele;
}

async function show(content) {
  const data = content.data || {};
  const ele = outputArea();
  if (data[WIDGET_MIME]) {
    const spec = data[WIDGET_MIME];
    const model = await host.manager.get_model(spec.model_id);
    const view = await host.manager.create_view(model, { el: ele });
    await host.manager.display_view(spec, view, { node: ele });
  } else if (data['text/html']) {
    ele.innerHTML = data['text/html'];
  } else {
    ele.textContent = data['text/plain'] || JSON.stringify(Object.keys(data));
  }
}

// Run ``code`` in the kernel; render its displays the way VS Code's widget renderer does.
// Resolves with the error text (or '' when the cell ran cleanly) once every display is drawn.
host.run = async (code) => {
  await host.ready;
  const shown = [];
  let error = '';
  const future = host.kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === 'display_data' || type === 'execute_result') {
      shown.push(show(msg.content).catch((e) => { error += `render failed: ${e}\n`; }));
    } else if (type === 'error') {
      error += `${msg.content.ename}: ${msg.content.evalue}\n`;
    } else if (type === 'stream' && msg.content.name === 'stderr') {
      log(`stderr: ${msg.content.text}`);
    }
  };
  await future.done;
  await Promise.all(shown);
  if (error) {
    const ele = outputArea();
    ele.className = 'vscode-error';
    ele.textContent = error;
  }
  return error;
};

// Empty the output area between checks (the kernel and its widgets live on).
host.clear = () => document.getElementById('outputs').replaceChildren();

host.ready = start().catch((e) => { log(`start failed: ${e}`); throw e; });
