import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../../access/decorators/auth.decorators';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** The pages' own script and stylesheet, read once at start (copied next to the compiled code by nest-cli.json). */
const ASSETS = {
  js: readFileSync(join(__dirname, 'assets', 'pages.js'), 'utf8'),
  css: readFileSync(join(__dirname, 'assets', 'pages.css'), 'utf8'),
  icon: readFileSync(join(__dirname, 'assets', 'favicon.svg'), 'utf8'),
};

/**
 * Serves the pages' script and stylesheet from our own origin (the pages' Content-Security-Policy
 * allows nothing else), and their icon. Cached for an hour; none carries anything personal. Not counted
 * against the request limit, like the pages' GETs: serving them costs nothing worth limiting.
 */
@ApiTags(API_TAGS.pages.name)
@Public()
@SkipThrottle()
@ApiRequestEdgeErrors({ rateLimited: false })
@Controller('assets')
export class AssetsController {
  @Get('pages.js')
  @ApiOperation({ summary: 'The pages\' script (live password rules, reading the link\'s fragment)', security: [] })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } })
  script(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(ASSETS.js);
  }

  @Get('favicon.svg')
  @ApiOperation({ summary: 'The pages\' icon', security: [] })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  icon(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=3600' }).send(ASSETS.icon);
  }

  @Get('pages.css')
  @ApiOperation({ summary: 'The pages\' stylesheet', security: [] })
  @ApiProduces('text/css')
  @ApiOkResponse({ description: 'CSS', content: { 'text/css': { schema: { type: 'string' } } } })
  stylesheet(@Res() res: Response): void {
    res.status(200).set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(ASSETS.css);
  }
}
