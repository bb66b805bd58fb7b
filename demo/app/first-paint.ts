/**
 * The page's inline script (demo/build-demo-app.ts puts it into index.html): while the page is parsed, it draws the
 * transcript snapshot of the session named in the address (transcript-snapshot.ts), so the first frame of a cached
 * session shows its transcript without waiting for the page's script (main.ts) to load and read the offline copy.
 * It runs only this: a few kilobytes, with neither Yjs nor the client. A session this browser saw deleted shows
 * nothing.
 */
import { wasSessionDeletedHere } from '../../client/browser/deleted-sessions.ts'
import { byTestId } from './by-test-id.ts'
import { readTranscriptSnapshot, showTranscriptSnapshot } from './transcript-snapshot.ts'

const sessionId = new URLSearchParams(location.search).get('session')
const snapshot = sessionId === null || wasSessionDeletedHere(sessionId) ? undefined : readTranscriptSnapshot(sessionId)
if (snapshot !== undefined) showTranscriptSnapshot(byTestId('messages'), snapshot)
