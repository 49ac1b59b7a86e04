import {it} from 'vitest'
import {parseProcesses} from '../../src/linux/processes.js'
import {processFilesFixture} from './helpers.js'
it('t', () => {
  const m = processFilesFixture('proc-processes-6.18.json')
  const many = []
  for (let i = 0; i < 2000; i++) many.push({...m[i % 6]!, pid: 10000 + i})
  for (let k = 0; k < 5; k++) parseProcesses(many)
  const s = performance.now(); for (let k = 0; k < 20; k++) parseProcesses(many); console.log('ms/2000', (performance.now() - s) / 20)
})
