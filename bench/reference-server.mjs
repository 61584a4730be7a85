// The reference automerge-repo sync server for the relay-under-load benchmark: Node,
// automerge-repo 2.5.x with NodeWSServerAdapter and NodeFSStorageAdapter, as a stock
// deployment would run it. Usage: node bench/reference-server.mjs PORT DATA_DIR
// (PORT 0 picks a free port). Prints "listening on <port>" once ready; SIGTERM stops it.
import { WebSocketServer } from 'ws';
import { Repo } from '@automerge/automerge-repo';
import { NodeWSServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';

const [port, dataDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
if (!dataDir) {
  console.error('usage: node bench/reference-server.mjs PORT DATA_DIR');
  process.exit(2);
}
const wss = new WebSocketServer({ host: '127.0.0.1', port });
// Like the stock sync server: it stores what it is sent and syncs a document with every
// peer that syncs it, but announces nothing on its own.
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: 'reference-server',
  shareConfig: { announce: async () => false, access: async () => true },
});
// The adapter attaches its connection handler asynchronously; a client that connected
// before that would never be answered (and be terminated by the keep-alive), so announce
// the port only once the handler is in place.
wss.on('listening', function announce() {
  if (wss.listenerCount('connection') === 0) return setTimeout(announce, 10);
  console.log(`listening on ${wss.address().port}`);
});
process.on('SIGTERM', () => { wss.close(); repo.shutdown?.(); process.exit(0); });
