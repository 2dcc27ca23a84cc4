import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/decorators/auth.decorators';

/** The pages' own script and stylesheet, read once at start (copied next to the compiled code by nest-cli.json). */
const ASSETS = {
  js: readFileSync(join(__dirname, 'assets', 'pages.js'), 'utf8'),
  css: readFileSync(join(__dirname, 'assets', 'pages.css'), 'utf8'),
};

/**
 * Serves the pages' script and stylesheet from our own origin (the pages' Content-Security-Policy
 * allows nothing else). Cached for an hour; neither carries anything personal.
 */
@ApiTags('Pages')
@Public()
@Controller('assets')
export class AssetsController {
  @Get('pages.js')
  @ApiOperation({ summary: 'The pages\' script (live password rules, reading the link\'s fragment)', security: [] })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } })
  script(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(ASSETS.js);
  }

  @Get('pages.css')
  @ApiOperation({ summary: 'The pages\' stylesheet', security: [] })
  @ApiProduces('text/css')
  @ApiOkResponse({ description: 'CSS', content: { 'text/css': { schema: { type: 'string' } } } })
  stylesheet(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(ASSETS.css);
  }
}
