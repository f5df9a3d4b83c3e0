import {npmHighImpact} from 'npm-high-impact'
import fs from 'node:fs'
const pop = new Set(npmHighImpact)
const n = fs.readFileSync(process.argv[2],'utf8').split('\n').filter(Boolean)
const np = n.filter(x=>!pop.has(x)); console.log(n.length, np.length); console.log(np.slice(0,80).join(' '))
