// The reference automerge-repo sync server: a few lines of Node on the 2.5.x packages
// (the npm automerge-repo-sync-server is stale). Usage: node reference-server.mjs DATA_DIR
// Prints "listening on <port>" once ready; SIGTERM stops it.
import { WebSocketServer } from 'ws';
import { Repo } from '@automerge/automerge-repo';
import { NodeWSServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';

const dataDir = process.argv[2];
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
// Like the reference sync server: it stores what it is sent and answers requests, but
// announces nothing on its own. (In 2.x a bare `sharePolicy: false` would also deny access.)
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: 'reference-server',
  shareConfig: { announce: async () => false, access: async () => true },
});
wss.on('listening', () => console.log(`listening on ${wss.address().port}`));
process.on('SIGTERM', () => { wss.close(); repo.shutdown?.(); process.exit(0); });
