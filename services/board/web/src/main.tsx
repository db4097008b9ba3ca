import './styles.css';
import { mount } from './app';

mount(document.getElementById('app')!);
