// A minimal peer for scripts/bench: Debian's node-ws, every message broadcast to every client
// (the sender included). Usage: node node-ws-broadcast.js PORT  (listens on 127.0.0.1 only)
'use strict';
module.paths.push('/usr/share/nodejs');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 5300);
const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 4096, perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => console.log(`node-ws broadcast on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
