// Imports every entry of the installed package from plain Node ESM and prints each entry's export names.
const entries = ['core', 'browser', 'agent', 'server', 'protocol', 'react', 'ai-sdk', 'agent-browser']
const exported = {}
for (const entry of entries) exported[entry] = Object.keys(await import(`lifeline/${entry}`)).sort()
console.log(JSON.stringify(exported))
