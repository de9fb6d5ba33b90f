'use strict';

// serverless-esbuild loads esbuild plugins from this file. One that counts the modules it
// resolves, standing in for the model's own plugin list.
module.exports = [
  {
    name: 'count-modules',
    setup(build) {
      let resolved = 0;
      build.onResolve({ filter: /.*/ }, () => {
        resolved += 1;
        return undefined;
      });
      build.onEnd(() => {
        if (process.env.ESBUILD_COUNT_MODULES) console.log(`esbuild resolved ${resolved} modules`);
      });
    },
  },
];
