// Calls into the background, the only holder of credentials and the only caller of the API.
export interface Problem { title: string; detail?: string; status?: number; causes?: { code: string; message: string; fix: string }[] }
export type Reply<T> = { ok: true; value: T } | { ok: false; error: Problem };

export async function call<T>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
  const reply = (await chrome.runtime.sendMessage({ type, ...payload })) as Reply<T> | undefined;
  if (!reply) throw new RpcError({ title: 'Access Companion did not answer' });
  if (!reply.ok) throw new RpcError(reply.error);
  return reply.value;
}

export class RpcError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'RpcError';
  }
}

/** Keeps the background's live stream open while this page is open; calls back on each change. */
export function followChanges(onChange: () => void): () => void {
  const port = chrome.runtime.connect({ name: 'live' });
  port.onMessage.addListener(() => onChange());
  return () => port.disconnect();
}
