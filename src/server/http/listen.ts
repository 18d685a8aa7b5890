// What one connection may hold of the process, and for how long. Every socket is a file
// descriptor; a client that never finishes its headers, trickles a body, or keeps an idle
// connection open holds one for nothing. Node's defaults are generous (a minute for headers, five
// for a request, 2,000 headers, no connection cap), so the API sets its own, and keeps the whole
// number of connections under the process's open-file limit, so PGlite's files and PostgreSQL's
// connections always find a descriptor (issue 19: 1,100 open streams starved the process).
import { readFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:http';

export interface ConnectionLimits {
  /** A request's headers must all arrive within this (ms); then 408 and the socket closes. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this (ms). Not the answer: streams may last. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number;
  /** Requests one keep-alive connection may carry before it is closed. */
  maxRequestsPerSocket: number;
  /** Headers a request may carry; more are dropped (Node keeps the first ones). */
  maxHeadersCount: number;
  /** Sockets open at once; past it new connections are closed at once. */
  maxConnections: number;
  /** How often (ms) Node looks for requests past their header or request timeout. */
  checkIntervalMs: number;
}

/** Descriptors kept for the database, the data-folder lock, worker threads and logs. */
const RESERVED_DESCRIPTORS = 128;

/**
 * The soft open-file limit (RLIMIT_NOFILE) of this process, from /proc/self/limits; undefined where
 * it cannot be read (not Linux) or is unlimited.
 */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}

/**
 * Event streams the process allows at once when no --max-streams is given: a quarter of the
 * open-file limit (256 at the common 1,024), at least 16; 256 when the limit is unknown.
 */
export function defaultMaxStreams(fdLimit: number | undefined): number {
  return fdLimit === undefined ? 256 : Math.max(16, Math.floor(fdLimit / 4));
}

/** The limits for a process with `fdLimit` open files (undefined: unknown). */
export function connectionLimits(fdLimit: number | undefined): ConnectionLimits {
  return {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    maxRequestsPerSocket: 1_000,
    maxHeadersCount: 100,
    maxConnections: fdLimit === undefined ? 4_096 : Math.max(64, fdLimit - RESERVED_DESCRIPTORS),
    checkIntervalMs: 1_000,
  };
}

/** Options for http.createServer: the ones that can only be given at creation. */
export function serverOptions(l: ConnectionLimits): ServerOptions {
  return { headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs, keepAliveTimeout: l.keepAliveTimeoutMs, connectionsCheckingInterval: l.checkIntervalMs };
}

/** Applies the limits that are properties of a created server. */
export function limitConnections(server: Server, l: ConnectionLimits): void {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = l.maxRequestsPerSocket;
  server.maxHeadersCount = l.maxHeadersCount;
  server.maxConnections = l.maxConnections;
}
