import {npmHighImpact} from 'npm-high-impact'
import fs from 'node:fs'
const pop = new Set(npmHighImpact)
const rows = fs.readFileSync('/work/.library/env/packages/npm.tsv','utf8').split('\n').slice(1).map(l=>l.split('\t')).filter(r=>r[0])
rows.sort((a,b)=>+b[2]-+a[2])
const np = rows.filter(r=>!pop.has(r[0]))
console.log(rows.length, np.length)
for (const t of [1e7,1e6,3e5,1e5,3e4]) console.log(t, np.filter(r=>+r[2]>=t).length)
console.log(np.slice(0,40).map(r=>r[0]+':'+r[2]).join(' '))
console.log(np.slice(1000,1040).map(r=>r[0]+':'+r[2]).join(' '))
