#!/usr/bin/env node
// mailroute-gateway (in progress).
process.stdout.write('mailroute gateway: in progress\n');
