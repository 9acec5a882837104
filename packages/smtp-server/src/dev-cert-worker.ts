/**
 * The worker thread of {@link createDevCertificateInWorker}: makes one development certificate
 * and posts it back. node-forge is loaded here, never in the thread that serves mail.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDevCertificate } from './dev-cert.js';

const { hostname, nowMs } = workerData as { hostname: string; nowMs: number };
parentPort?.postMessage(createDevCertificate(hostname, new Date(nowMs)));
