// What the VS Code host page needs from @jupyterlab/services: a kernel connection over the
// Jupyter server's websocket (VS Code proxies the same messages through its extension host).
export { KernelManager, KernelMessage, ServerConnection } from '@jupyterlab/services';
