import type { Linter } from 'eslint';

export declare const LAYERS: Record<string, string[]>;
export declare const FEATURES: string[];
export declare function layerRules(): Linter.Config[];
