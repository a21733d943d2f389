import { mount } from 'svelte';
import Embed from './Embed.svelte';
import './dashboard.css';

mount(Embed, { target: document.getElementById('app')! });
