// Starts Bluesky's reference servers (PLC, PDS, AppView) on free localhost ports, creates the
// test accounts, prints one JSON line with the addresses and credentials, then serves until its
// standard input closes. A line "process" on stdin waits until the AppView has indexed every
// write (network.processAll()) and answers {"ok":true}.
// Needs DB_POSTGRES_URL, DB_POSTGRES_SCHEMA and REDIS_HOST (see tests/bluesky_devnet.py).
import readline from 'node:readline'
import { TestNetwork } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'

const network = await TestNetwork.create({
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA,
})
const accounts = {}
for (const name of ['camille', 'alice', 'bob', 'carol']) {
  const agent = new AtpAgent({ service: network.pds.url })
  const handle = `${name}.test`
  const password = `${name}-app-password`
  const res = await agent.createAccount({ email: `${name}@example.com`, handle, password })
  accounts[name] = { handle, did: res.data.did, password }
}
console.log(JSON.stringify({
  pds: network.pds.url,
  appview: network.bsky.url,
  plc: network.plc.url,
  accounts,
}))

const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line.trim() === 'process') {
    await network.processAll()
    console.log(JSON.stringify({ ok: true }))
  }
}
await network.close()
process.exit(0)
